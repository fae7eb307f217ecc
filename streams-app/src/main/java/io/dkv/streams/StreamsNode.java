package io.dkv.streams;

import io.dkv.kafka.DkvTopics;
import io.dkv.kafka.RequiredAcls;
import io.dkv.streams.internals.GroupInstanceId;
import io.dkv.streams.internals.MissFriendlyRocksDbConfig;
import io.dkv.streams.internals.ReplyTrackingClientSupplier;
import io.dkv.streams.internals.StreamThreadFailures;
import io.dkv.streams.lease.LiveLeases;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka Streams instance running the {@link DkvTopology}, and interactive-query access to the
 * state it owns. Thread-safe: the query methods may be called from any thread, but they read
 * RocksDB and can block briefly, so call them off event loops.
 */
public final class StreamsNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsNode.class);
    private static final long META_CACHE_BYTES = 4L * 1024 * 1024;
    private static final int TRANSACTION_BATCH_BYTES = 256 * 1024;
    private static final long BACKSTOP_COMMIT_INTERVAL_MS = 1_000;
    private static final int MAX_THREAD_FAILURES = 5;
    private static final Duration THREAD_FAILURE_WINDOW = Duration.ofMinutes(10);
    /**
     * An idle stream thread's poll (see IdleAwareConsumer): the lease expiry checks (wall-clock
     * punctuations) and a task's end of restoring can wait this long to be noticed.
     */
    private static final Duration IDLE_POLL = Duration.ofMillis(200);
    /**
     * An idle stream thread's poll while nothing waits on the clock: Streams runs (no task restores)
     * and no task here has a lease. A rebalance is joined within the poll, not after it.
     */
    private static final Duration QUIET_POLL = Duration.ofSeconds(1);

    private final ReplyTrackingClientSupplier clients;
    private final KafkaStreams streams;
    private final StreamThreadFailures failures;
    private final LiveLeases liveLeases = new LiveLeases();

    public StreamsNode(StreamsSettings settings, DkvTopics topics) {
        this.clients = new ReplyTrackingClientSupplier(DkvTopology.repliesTopic(settings.applicationId()),
                this::idlePoll);
        Properties properties = properties(settings, topics);
        // The restore consumer's settings: read_committed, and whatever security the Streams clients use.
        Map<String, Object> changeTopicConsumer = new StreamsConfig(properties).getRestoreConsumerConfigs("dkv-kv-restore");
        this.streams = new KafkaStreams(DkvTopology.build(topics, settings.dedupeWindow(), Duration.ofMillis(settings.commitIntervalMs()),
                () -> new KafkaConsumer<>(changeTopicConsumer, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                liveLeases, settings.leaseLimits(), settings.lockLimits()),
                properties, clients);
        this.failures = new StreamThreadFailures(MAX_THREAD_FAILURES, THREAD_FAILURE_WINDOW, settings.stateDir(), System::nanoTime,
                failure -> RequiredAcls.explain(failure, topics.prefix(), settings.applicationId()));
        this.streams.setUncaughtExceptionHandler(failures);
        this.streams.setStateListener((now, before) -> {
            LOG.info("Streams state {} -> {}", before, now);
            clients.listener().running(now == KafkaStreams.State.RUNNING);
        });
    }

    /** How long an idle stream thread polls now; called on stream threads, once Streams started. */
    private Duration idlePoll() {
        return streams.state() == KafkaStreams.State.RUNNING && liveLeases.none() ? QUIET_POLL : IDLE_POLL;
    }

    static Properties properties(StreamsSettings settings, DkvTopics topics) {
        Properties p = settings.kafka().properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        p.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, settings.applicationServer());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // The CommandProcessor asks for every commit (at a batch mark, or commitIntervalMs after the last command);
        // Streams' own interval is only a backstop (see CommitPacer for why it cannot be the cadence).
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, String.valueOf(Math.max(BACKSTOP_COMMIT_INTERVAL_MS, settings.commitIntervalMs())));
        p.put(StreamsConfig.POLL_MS_CONFIG, String.valueOf(settings.pollMs()));
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, String.valueOf(settings.streamThreads()));
        // Task idling orders records of several input partitions by time; each DKV task has one. With
        // idling on (0, the default) Kafka Streams 4.4 formats a log message with String.format for
        // every check of a task whose partition is empty: 6 % of the stream thread under 64-client puts.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, String.valueOf(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        // Only the meta store is cached; it holds one small entry per DKV store.
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, String.valueOf(META_CACHE_BYTES));
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, MissFriendlyRocksDbConfig.class.getName());
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        if (topics.settings().replicationFactor() > 0) {
            p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(topics.settings().replicationFactor()));
        }
        // Nobody reads a transaction's records before it commits, and every commit flushes the
        // producer: holding records until then sends each transaction in a few large produce requests
        // (each registering its partitions with the transaction once) instead of dozens of small ones.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "100");
        // A 64-command transaction writes about 40 KB to its store's change topic. In 16 KiB batches
        // (the default) the full ones leave before the commit, each in its own produce request that
        // the broker verifies against the transaction; one batch per partition goes in the commit's
        // request (docs/BENCHMARKS.md, "Tried on the put path and not kept").
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), String.valueOf(TRANSACTION_BATCH_BYTES));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), String.valueOf(topics.settings().maxMessageBytes()));
        // A crashed instance's stores move to a survivor after this long without heartbeats.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), String.valueOf(settings.sessionTimeoutMs()));
        // Static membership: restarted on its state directory, an instance replaces its previous
        // incarnation in the group at once instead of waiting out that member's session (Streams
        // appends each stream thread's index). Its producers fence the old ones as before, through
        // the transactional id that Streams derives from the process id it keeps in the same directory.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), GroupInstanceId.of(settings.stateDir()));
        p.putAll(settings.overrides());
        return p;
    }

    /**
     * Sets who learns each transaction's replies once it committed, and the state changes
     * (replacing any earlier listener); transactions that commit and states entered before this call
     * are not reported.
     */
    public void onCommittedReplies(CommittedReplyListener listener) {
        clients.listener(listener);
    }

    /**
     * Completes, with a message for the operator, when stream threads failed so often that this
     * node shut itself down (see {@link StreamThreadFailures}); never completes otherwise.
     */
    public CompletableFuture<String> failed() {
        return failures.gaveUp();
    }

    public void start() {
        streams.start();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Where the store's commands are processed: its partition and the active host, if any. */
    public KeyQueryMetadata ownerOf(String store) {
        return streams.queryMetadataForKey(DkvTopology.META_STORE, store, Serdes.String().serializer());
    }

    /** Every live instance of this application, with its host info. */
    public Collection<StreamsMetadata> instances() {
        return streams.metadataForAllStreamsClients();
    }

    /** @throws InvalidStateStoreException while the partition is not active here or is restoring */
    public ReadOnlyKeyValueStore<Bytes, byte[]> kvStore(int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(DkvTopology.KV_STORE,
                QueryableStoreTypes.<Bytes, byte[]>keyValueStore()).withPartition(partition));
    }

    /** @throws InvalidStateStoreException while the partition is not active here or is restoring */
    public ReadOnlyKeyValueStore<Bytes, byte[]> leasesStore(int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(DkvTopology.LEASES_STORE,
                QueryableStoreTypes.<Bytes, byte[]>keyValueStore()).withPartition(partition));
    }

    /** @throws InvalidStateStoreException while the partition is not active here or is restoring */
    public ReadOnlyKeyValueStore<Bytes, byte[]> locksStore(int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(DkvTopology.LOCKS_STORE,
                QueryableStoreTypes.<Bytes, byte[]>keyValueStore()).withPartition(partition));
    }

    /** The deadlines of the leases of the tasks active here; refreshes go there. */
    public LiveLeases liveLeases() {
        return liveLeases;
    }

    /** @throws InvalidStateStoreException while the partition is not active here or is restoring */
    public ReadOnlyKeyValueStore<String, byte[]> metaStore(int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(DkvTopology.META_STORE,
                QueryableStoreTypes.<String, byte[]>keyValueStore()).withPartition(partition));
    }

    /** The meta stores of every partition active on this instance, as one view. */
    public ReadOnlyKeyValueStore<String, byte[]> localMetaStores() {
        return streams.store(StoreQueryParameters.fromNameAndType(DkvTopology.META_STORE,
                QueryableStoreTypes.<String, byte[]>keyValueStore()));
    }

    public KafkaStreams kafkaStreams() {
        return streams;
    }

    @Override
    public void close() {
        // Leave the group so a restarted or surviving instance takes the partitions over at once
        // instead of after the session timeout.
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }
}
