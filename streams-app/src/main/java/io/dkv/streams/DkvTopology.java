package io.dkv.streams;

import io.dkv.kafka.DkvTopics;
import io.dkv.streams.internals.ChangeTopicNameExtractor;
import io.dkv.streams.internals.CommandProcessor;
import io.dkv.streams.internals.ProcessedRequests;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * DKV's Kafka Streams topology: commands (keyed by store name) → {@link CommandProcessor} →
 * change records to each store's change topic and replies to the replies topic.
 *
 * <p>State stores (RocksDB):
 * <ul>
 *   <li>{@link #KV_STORE}: {@link StoreKeys store key} → Avro {@code KeyValue};
 *   <li>{@link #META_STORE}: store name → Avro {@code StoreMeta} (revision, key count), cached: every
 *       command rewrites its store's entry, and the cache sends only the last one per commit to
 *       RocksDB and the changelog (interactive queries read through the cache);
 *   <li>{@link #REQUESTS_STORE}: request id → Avro {@code ProcessedRequest}, a window store filed
 *       by window-long time buckets (see {@link ProcessedRequests}).
 * </ul>
 */
public final class DkvTopology {
    public static final String KV_STORE = "kv";
    public static final String META_STORE = "meta";
    public static final String REQUESTS_STORE = "processed-requests";
    public static final String SOURCE = "commands";
    public static final String PROCESSOR = "command-processor";
    public static final String CHANGES_SINK = "changes";
    public static final String REPLIES_SINK = "replies";

    private DkvTopology() {
    }

    /**
     * @param topics where commands come from and where changes and replies go
     * @param dedupeWindow how long a processed request id is remembered, so a retry is applied at most once
     * @param commitWait without a batch mark, a transaction commits once no command has joined it for
     *     this long (and at the latest four times this after its first command)
     */
    public static Topology build(DkvTopics topics, Duration dedupeWindow, Duration commitWait) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.commands());
        topology.addProcessor(PROCESSOR, () -> new CommandProcessor(dedupeWindow, commitWait), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(KV_STORE), Serdes.Bytes(), Serdes.ByteArray()).withCachingDisabled(), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(META_STORE), Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), PROCESSOR);
        topology.addStateStore(ProcessedRequests.storeBuilder(REQUESTS_STORE, dedupeWindow), PROCESSOR);
        topology.addSink(CHANGES_SINK, new ChangeTopicNameExtractor(topics),
                Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        topology.addSink(REPLIES_SINK, topics.replies(),
                Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        return topology;
    }
}
