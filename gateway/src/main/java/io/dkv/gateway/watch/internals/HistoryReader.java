package io.dkv.gateway.watch.internals;

import io.dkv.gateway.watch.WatchEvent;
import io.dkv.kafka.DkvTopics;
import io.dkv.kafka.KafkaCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Replays a store's changes after a revision from its change topic, for a watch that resumes.
 * Revisions in a change topic are contiguous (every revision has at least one record, and
 * {@code dkv.batch.size} says how many), so compaction shows as a missing revision or a short
 * batch: then the history is gone and the reader says from which revision it is complete.
 * Blocking; one short-lived consumer per call; call from a worker thread.
 */
public final class HistoryReader {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long TIMEOUT_MS = 30_000;

    private final KafkaCluster kafka;
    private final DkvTopics topics;

    public HistoryReader(KafkaCluster kafka, DkvTopics topics) {
        this.kafka = kafka;
        this.topics = topics;
    }

    /** What a resume gets: the batches after the revision, or the news that they are gone. */
    public sealed interface Result permits History, Compacted {
    }

    /** Every batch with a revision above the requested one, in order; {@code lastRevision} is the last one's. */
    public record History(List<List<WatchEvent>> batches, long lastRevision) implements Result {
    }

    /** Part of the history was compacted away; a resume can start at {@code oldestRevision} (inclusive). */
    public record Compacted(long oldestRevision) implements Result {
    }

    /** The batches with revision greater than {@code afterRevision} among the records before {@code untilOffset}. */
    public Result read(String store, long afterRevision, long untilOffset) {
        TopicPartition partition = new TopicPartition(topics.changes(store), 0);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.assign(List.of(partition));
            long begin = consumer.beginningOffsets(List.of(partition)).get(partition);
            long start = firstOffsetAfter(consumer, partition, afterRevision, begin, untilOffset);
            List<List<ConsumerRecord<byte[], byte[]>>> groups = readGroups(consumer, partition, start, untilOffset);
            long expected = afterRevision + 1;
            List<List<WatchEvent>> batches = new ArrayList<>(groups.size());
            for (List<ConsumerRecord<byte[], byte[]>> group : groups) {
                long revision = ChangeRecords.revision(group.get(0));
                if (revision != expected || group.size() != ChangeRecords.batchSize(group.get(0))) {
                    return new Compacted(oldestResumable(consumer, partition, begin, untilOffset));
                }
                batches.add(group.stream().map(ChangeRecords::event).toList());
                expected++;
            }
            return new History(batches, expected - 1);
        }
    }

    /** Binary search over offsets: the first offset whose record has a revision above {@code revision}. */
    private static long firstOffsetAfter(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition, long revision,
            long low, long high) {
        while (low < high) {
            long mid = low + (high - low) / 2;
            ConsumerRecord<byte[], byte[]> record = firstAtOrAfter(consumer, partition, mid, high);
            if (record == null || ChangeRecords.revision(record) > revision) {
                high = mid;
            } else {
                low = record.offset() + 1;
            }
        }
        return low;
    }

    private static ConsumerRecord<byte[], byte[]> firstAtOrAfter(KafkaConsumer<byte[], byte[]> consumer,
            TopicPartition partition, long offset, long until) {
        consumer.seek(partition, offset);
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (consumer.position(partition) < until && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                return record.offset() < until ? record : null;
            }
        }
        return null;
    }

    private static List<List<ConsumerRecord<byte[], byte[]>>> readGroups(KafkaConsumer<byte[], byte[]> consumer,
            TopicPartition partition, long from, long until) {
        List<List<ConsumerRecord<byte[], byte[]>>> groups = new ArrayList<>();
        consumer.seek(partition, from);
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (consumer.position(partition) < until && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                if (record.offset() >= until) {
                    return groups;
                }
                List<ConsumerRecord<byte[], byte[]>> last = groups.isEmpty() ? null : groups.get(groups.size() - 1);
                if (last == null || ChangeRecords.revision(last.get(0)) != ChangeRecords.revision(record)) {
                    last = new ArrayList<>();
                    groups.add(last);
                }
                last.add(record);
            }
        }
        if (consumer.position(partition) < until) {
            throw new IllegalStateException("could not read the history of " + partition + " within " + TIMEOUT_MS + " ms");
        }
        return groups;
    }

    /** The first revision from which the log is complete: the one after the last gap. */
    private static long oldestResumable(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition, long begin, long until) {
        long oldest = 1;
        long previous = 0;
        for (List<ConsumerRecord<byte[], byte[]>> group : readGroups(consumer, partition, begin, until)) {
            long revision = ChangeRecords.revision(group.get(0));
            boolean complete = group.size() == ChangeRecords.batchSize(group.get(0));
            if (revision != previous + 1 || !complete) {
                oldest = complete ? revision : revision + 1;
            }
            previous = revision;
        }
        return oldest;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = kafka.properties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dkv-gateway-watch-history");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
