package io.dkv.streams;

import io.dkv.kafka.DkvTopics;
import io.dkv.streams.internals.ChangeTopicNameExtractor;
import io.dkv.streams.internals.CommandProcessor;
import io.dkv.streams.internals.ProcessedRequests;
import io.dkv.streams.kv.internals.KvRestorer;
import io.dkv.streams.lease.LeaseLimits;
import io.dkv.streams.lease.LeaseRows;
import io.dkv.streams.lease.LiveLeases;
import io.dkv.streams.lock.LockLimits;
import io.dkv.streams.lock.LockRows;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * DKV's Kafka Streams topology: commands (keyed by store name) → {@link CommandProcessor} →
 * change records to each store's change topic, and each command's reply into {@link #REQUESTS_STORE},
 * whose changelog is the replies topic ({@link #repliesTopic}).
 *
 * <p>State stores (RocksDB):
 * <ul>
 *   <li>{@link #KV_STORE}: {@link StoreKeys store key} → Avro {@code KeyValue}. It has no changelog:
 *       the change topics hold the same data, and {@link KvRestorer} rebuilds a task's rows from
 *       them when they do not match its meta store (after the task moved, or lost its local state);
 *   <li>{@link #META_STORE}: store name → Avro {@code StoreMeta} (revision, key count, whether a
 *       delete of the store is finishing, which keeps the name taken), cached: every
 *       command rewrites its store's entry, and the cache sends only the last one per commit to
 *       RocksDB and the changelog (interactive queries read through the cache);
 *   <li>{@link #REQUESTS_STORE}: request id → Avro {@code ProcessedRequest} (the reply), a window
 *       store filed by window-long time buckets (see {@link ProcessedRequests}); every command writes
 *       one entry, so its changelog carries every reply;
 *   <li>{@link #LEASES_STORE}: the stores' leases and which keys each holds ({@link LeaseRows}),
 *       logged. Their deadlines live in memory ({@link LiveLeases}), never in the log;
 *   <li>{@link #LOCKS_STORE}: who holds each locked key's lock (its handle, fencing token and lease)
 *       and who waits for it, in arrival order ({@link LockRows}), logged.
 * </ul>
 */
public final class DkvTopology {
    public static final String KV_STORE = "kv";
    public static final String META_STORE = "meta";
    public static final String REQUESTS_STORE = "processed-requests";
    public static final String LEASES_STORE = "leases";
    public static final String LOCKS_STORE = "locks";
    public static final String SOURCE = "commands";
    public static final String PROCESSOR = "command-processor";
    public static final String CHANGES_SINK = "changes";

    private DkvTopology() {
    }

    /**
     * The topic gateways read replies from: the changelog of {@link #REQUESTS_STORE}, which Kafka
     * Streams names after the application id. Key: the window store's key (request id, bucket start,
     * sequence number); value: the Avro {@code ProcessedRequest} holding the reply. Its records are
     * written in the transaction of the command they answer, so {@code read_committed} readers see a
     * reply only once that command committed.
     */
    public static String repliesTopic(String applicationId) {
        return applicationId + "-" + REQUESTS_STORE + "-changelog";
    }

    /**
     * The {@code retention.ms} Kafka Streams gives the replies topic: the window store's retention
     * plus {@code windowstore.changelog.additional.retention.ms} (one day unless the Streams
     * properties say otherwise; the margin covers clocks that differ between instances).
     *
     * @param streamsOverrides the Streams properties given on top of DKV's ({@code --streams-property})
     * @throws org.apache.kafka.common.config.ConfigException if that property is given and is not a number
     */
    public static long repliesRetentionMs(Duration dedupeWindow, Map<String, String> streamsOverrides) {
        String key = StreamsConfig.WINDOW_STORE_CHANGE_LOG_ADDITIONAL_RETENTION_MS_CONFIG;
        String given = streamsOverrides.get(key);
        // Parsed as Kafka Streams parses it, so a bad value fails with Kafka's message naming the setting.
        Object additional = given != null ? ConfigDef.parseType(key, given.trim(), ConfigDef.Type.LONG)
                : StreamsConfig.configDef().defaultValues().get(key);
        return ProcessedRequests.retention(dedupeWindow).toMillis() + ((Number) additional).longValue();
    }

    /**
     * @param topics where commands come from and where changes go
     * @param dedupeWindow how long a processed request id is remembered, so a retry is applied at most once
     * @param commitWait without a batch mark, a transaction commits once no command has joined it for
     *     this long (and at the latest four times this after its first command)
     * @param changeTopicConsumers makes a {@code read_committed} consumer of byte arrays, used (and
     *     closed) when a task starts with {@link #KV_STORE} rows to rebuild from the change topics
     * @param liveLeases where the tasks keep their leases' deadlines, for the gateway to refresh them
     * @param leaseLimits the bounds on leases the tasks enforce
     * @param lockLimits the bounds on locks the tasks enforce
     */
    public static Topology build(DkvTopics topics, Duration dedupeWindow, Duration commitWait,
                                 Supplier<Consumer<byte[], byte[]>> changeTopicConsumers, LiveLeases liveLeases,
                                 LeaseLimits leaseLimits, LockLimits lockLimits) {
        KvRestorer restorer = new KvRestorer(topics, changeTopicConsumers);
        Topology topology = new Topology();
        topology.addSource(SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.commands());
        topology.addProcessor(PROCESSOR, () -> new CommandProcessor(dedupeWindow, commitWait, restorer, liveLeases, leaseLimits,
                lockLimits), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(KV_STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled().withLoggingDisabled(), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(META_STORE), Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), PROCESSOR);
        topology.addStateStore(ProcessedRequests.storeBuilder(REQUESTS_STORE, dedupeWindow), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(LEASES_STORE), Serdes.Bytes(), Serdes.ByteArray()).withCachingDisabled(), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(LOCKS_STORE), Serdes.Bytes(), Serdes.ByteArray()).withCachingDisabled(), PROCESSOR);
        topology.addSink(CHANGES_SINK, new ChangeTopicNameExtractor(topics),
                Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        return topology;
    }
}
