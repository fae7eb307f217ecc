package io.dkv.streams.kv.internals;

import io.dkv.kafka.DkvTopics;
import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeEventDeserializer;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.StoreMeta;
import io.dkv.streams.StoreKeys;
import io.dkv.streams.store.internals.StoreRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a task's local {@code kv} rows from the stores' change topics, the source of truth for
 * their data, when they do not match the meta store: after the task moved to this instance, came
 * back to a copy left on disk earlier, or lost its local state (Kafka Streams wipes a task's state
 * after a crash under exactly-once). Kafka Streams restores the meta and dedupe stores from their
 * changelogs first; the change topics were written in the same transactions, so reading them
 * {@code read_committed} to their end gives each store's rows at the meta store's revision.
 *
 * <p>Runs on the stream thread while the task starts, before it processes any command; a store of
 * millions of keys takes a while, so progress is logged every {@link #PROGRESS_EVERY} records, and a
 * rebuild projected to outlast the main consumer's {@code max.poll.interval.ms} (which would drop the
 * thread from the consumer group) is logged as a warning that names the setting to raise.
 * Throws what the consumer throws (for example a {@code TimeoutException} when the cluster does not
 * answer), which fails the task's start; Kafka Streams then tries again.
 */
public final class KvRestorer {
    private static final Logger LOG = LoggerFactory.getLogger(KvRestorer.class);
    private static final int PROGRESS_EVERY = 100_000;
    private static final Duration POLL = Duration.ofMillis(500);

    private final DkvTopics topics;
    private final Supplier<Consumer<byte[], byte[]>> consumers;

    /**
     * @param consumers makes the {@code read_committed} consumer that reads the change topics (closed
     *     after use; called only when some store needs rebuilding)
     */
    public KvRestorer(DkvTopics topics, Supplier<Consumer<byte[], byte[]>> consumers) {
        this.topics = topics;
        this.consumers = consumers;
    }

    /**
     * Rebuilds the rows of every store of the task that needs it ({@link StoreRegistry#staleKeys}).
     *
     * @param streamsConfig the Streams configuration ({@code ProcessorContext.appConfigs()}), for the
     *     main consumer's {@code max.poll.interval.ms}
     */
    public void restoreStale(StoreRegistry registry, KeyValueStore<Bytes, byte[]> kv, Map<String, Object> streamsConfig) {
        Map<String, StoreMeta> stale = registry.staleKeys();
        if (stale.isEmpty()) {
            return;
        }
        RebuildDeadline deadline = new RebuildDeadline(RebuildDeadline.maxPollInterval(streamsConfig), System.nanoTime());
        try (Consumer<byte[], byte[]> consumer = consumers.get()) {
            stale.forEach((store, meta) -> {
                long started = System.nanoTime();
                registry.clearKeys(store);
                Replayed replayed = replayNamingTheStore(consumer, store, kv, deadline);
                registry.rebuilt(store, meta);
                LOG.info("Rebuilt the keys of store {} at revision {} from {} ({} records, {} ms)", store,
                        meta.getRevision(), topics.changes(store), replayed.records(), (System.nanoTime() - started) / 1_000_000);
                checkAgainstMeta(store, meta, registry.keyCount(store), replayed.lastRevision());
            });
        }
    }

    /**
     * Compaction never changes which keys a change topic holds, and no record of a store's current
     * life is newer than its meta store, so a difference means records this store did not write (a
     * topic left behind by a delete that did not finish, reused when the store was created again,
     * or another producer) or lost ones. The rows stay as the topic has them; only people can tell
     * which side is right.
     */
    private void checkAgainstMeta(String store, StoreMeta meta, long keys, long lastRevision) {
        if (keys != meta.getKeyCount() || lastRevision > meta.getRevision()) {
            LOG.error("Store {} was rebuilt from {} with {} keys and records up to revision {}, but the store has {} keys at "
                    + "revision {}: the topic holds records this store did not write since it was created (a change topic "
                    + "left by an unfinished store delete, or another producer), or lost some (a retention other than "
                    + "compaction). Reads serve the keys as the topic has them; to start the store afresh, delete it "
                    + "(DELETE /v1/stores/{}, which deletes the topic) and create it again.", store, topics.changes(store), keys,
                    lastRevision, meta.getKeyCount(), meta.getRevision(), store);
        }
    }

    private record Replayed(long records, long lastRevision) {
    }

    /**
     * A failure that will not pass by itself names the store and its topic, so that the operator
     * learns which store cannot be rebuilt; retriable ones pass unchanged, because Kafka Streams
     * retries a task's start on them.
     */
    private Replayed replayNamingTheStore(Consumer<byte[], byte[]> consumer, String store, KeyValueStore<Bytes, byte[]> kv,
                                          RebuildDeadline deadline) {
        try {
            return replay(consumer, store, kv, deadline);
        } catch (RetriableException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalStateException("rebuilding the keys of store " + store + " from " + topics.changes(store) + " failed: " + e, e);
        }
    }

    private Replayed replay(Consumer<byte[], byte[]> consumer, String store, KeyValueStore<Bytes, byte[]> kv,
                            RebuildDeadline deadline) {
        long started = System.nanoTime();
        String topic = topics.changes(store);
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            LOG.warn("Store {} has no change topic {}; its keys are empty", store, topic);
            return new Replayed(0, 0);
        }
        List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        // With read_committed these are the last stable offsets: every committed transaction is below them.
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions);
        long total = partitions.stream().mapToLong(p -> ends.get(p) - begins.get(p)).sum();
        long records = 0;
        long lastRevision = 0;
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                Bytes key = StoreKeys.key(store, record.key());
                if (record.value() == null) {
                    kv.delete(key);
                    ChangeEvent delete = ChangeEventDeserializer.fromTombstone(record.headers());
                    lastRevision = Math.max(lastRevision, delete == null ? 0 : delete.getRevision());
                } else {
                    ChangeEvent put = DkvCodec.CHANGE_EVENT.decode(record.value());
                    kv.put(key, DkvCodec.KEY_VALUE.encode(ChangeEvents.entry(put)));
                    lastRevision = Math.max(lastRevision, put.getRevision());
                }
                if (++records % PROGRESS_EVERY == 0) {
                    LOG.info("Rebuilding the keys of store {} from {}: {} records so far", store, topic, records);
                }
            }
            long read = partitions.stream().mapToLong(p -> consumer.position(p) - begins.get(p)).sum();
            deadline.overrun(started, System.nanoTime(), read, total).ifPresent(projected -> LOG.warn(
                    "Rebuilding the keys of store {} from {} ({} of {} offsets read) is projected to take {} ms in all, longer "
                    + "than the main consumer's max.poll.interval.ms of {} ms: Kafka Streams will then drop this stream thread "
                    + "from the consumer group, and the task starts its rebuild again (here or on another instance), each time. "
                    + "Restart DKV with --streams-property main.consumer.max.poll.interval.ms={} (twice the projection).",
                    store, topic, read, total, projected.toMillis(), deadline.limit().toMillis(), projected.multipliedBy(2).toMillis()));
        }
        return new Replayed(records, lastRevision);
    }
}
