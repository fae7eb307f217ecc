package io.dkv.streams.internals;

import io.dkv.kafka.DkvTopics;
import io.dkv.kafka.KafkaCluster;
import io.dkv.kafka.HangingTransactions;
import io.dkv.kafka.HangingTransactions.Hanging;
import io.dkv.schemas.DkvCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the hanging transactions ({@link HangingTransactions}) of DKV's own stream threads the way
 * their coordinator decided them. After a crash while a transaction's markers were being written,
 * the broker has been seen to record the transaction complete with its markers missing from some
 * partitions: the task that owns them then never finishes restoring and DKV never becomes ready.
 *
 * <p>Whether such a transaction committed is read from the group's committed offsets, which the
 * same transaction wrote: it committed if none of the requests it answered (its records on the
 * replies topic) is among the commands at or after the committed offset of that task's command
 * partition, and it aborted if all of them are (they will be processed again). Anything else, or a
 * transaction that hangs on the offsets topic too (so the committed offsets are not its outcome),
 * is not guessed: {@link #repair()} throws with what to do. Not thread-safe.
 */
public final class HangingTransactionRepair {
    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactionRepair.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Commands read past the committed offset at most: after a crash, the unprocessed tail. */
    private static final int MAX_COMMANDS_READ = 200_000;

    private final Admin admin;
    private final KafkaCluster kafka;
    private final DkvTopics topics;
    private final String applicationId;
    private final String repliesTopic;

    public HangingTransactionRepair(Admin admin, KafkaCluster kafka, DkvTopics topics, String applicationId,
                                    String repliesTopic) {
        this.admin = admin;
        this.kafka = kafka;
        this.topics = topics;
        this.applicationId = applicationId;
        this.repliesTopic = repliesTopic;
    }

    /** How a hanging transaction ends. */
    enum Outcome { COMMIT, ABORT }

    /**
     * The outcome of a transaction that answered {@code answered} on one task, given the request ids
     * of that task's commands from its committed offset on; empty when it cannot be told.
     */
    static Optional<Outcome> outcome(Set<String> answered, Collection<String> uncommittedCommands) {
        if (answered.isEmpty()) {
            return Optional.empty();
        }
        long again = answered.stream().filter(new HashSet<>(uncommittedCommands)::contains).count();
        if (again == 0) {
            return Optional.of(Outcome.COMMIT);
        }
        return again == answered.size() ? Optional.of(Outcome.ABORT) : Optional.empty();
    }

    /**
     * Finds the hanging transactions on DKV's topics and ends each as its coordinator decided.
     *
     * @return one line per transaction ended, for the log; empty if nothing hangs
     * @throws IllegalStateException naming a hanging transaction whose outcome cannot be told, its
     *     partitions and the commands that end it by hand
     * @throws IOException if a partition could not be read or a leader refused the markers; trying
     *     again later may succeed
     */
    public List<String> repair() throws ExecutionException, InterruptedException, IOException {
        Map<TopicPartition, Node> leaders = partitionLeaders();
        List<Hanging> hanging = HangingTransactions.find(admin, leaders.keySet());
        List<String> ended = new ArrayList<>();
        Map<String, List<Hanging>> byTransaction = hanging.stream().collect(Collectors.groupingBy(
                h -> h.producerId() + "/" + h.producerEpoch(), LinkedHashMap::new, Collectors.toList()));
        for (List<Hanging> transaction : byTransaction.values()) {
            Optional<Outcome> decided = outcome(transaction);
            if (decided.isEmpty()) {
                throw new IllegalStateException(undecided(transaction));
            }
            Outcome outcome = decided.get();
            Hanging first = transaction.get(0);
            int coordinatorEpoch = transaction.stream().mapToInt(Hanging::coordinatorEpoch).max().orElse(0);
            Map<Node, List<TopicPartition>> byLeader = transaction.stream().map(Hanging::partition)
                    .collect(Collectors.groupingBy(leaders::get));
            for (Map.Entry<Node, List<TopicPartition>> leader : byLeader.entrySet()) {
                HangingTransactions.end(leader.getKey(), first.producerId(), first.producerEpoch(), coordinatorEpoch,
                        outcome == Outcome.COMMIT, leader.getValue(), TIMEOUT);
            }
            String line = "ended a hanging transaction of " + first.transactionalId() + " (producer " + first.producerId()
                    + ", epoch " + first.producerEpoch() + ") by " + (outcome == Outcome.COMMIT ? "committing" : "aborting") + " it on "
                    + transaction.stream().map(h -> h.partition() + " from offset " + h.firstOffset()).toList();
            LOG.warn("{}: its coordinator had recorded it complete, but these partitions never got its markers", line);
            ended.add(line);
        }
        return ended;
    }

    private Optional<Outcome> outcome(List<Hanging> transaction) throws ExecutionException, InterruptedException, IOException {
        if (transaction.stream().anyMatch(h -> h.partition().topic().equals(Topic.GROUP_METADATA_TOPIC_NAME))) {
            return Optional.empty();
        }
        List<Hanging> replies = transaction.stream().filter(h -> h.partition().topic().equals(repliesTopic)).toList();
        if (replies.isEmpty()) {
            return Optional.empty();
        }
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
        Set<Outcome> outcomes = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = uncommittedReader()) {
            for (Hanging reply : replies) {
                Set<String> answered = new HashSet<>(read(consumer, reply.partition(), reply.firstOffset(), Integer.MAX_VALUE,
                        value -> DkvCodec.PROCESSED_REQUEST.decode(value).getReply().getRequestId()));
                TopicPartition commands = new TopicPartition(topics.commands(), reply.partition().partition());
                OffsetAndMetadata offset = committed.get(commands);
                List<String> uncommitted = read(consumer, commands, offset == null ? 0 : offset.offset(), MAX_COMMANDS_READ,
                        value -> DkvCodec.COMMAND.decode(value).getRequestId());
                Optional<Outcome> task = outcome(answered, uncommitted);
                if (task.isEmpty()) {
                    return Optional.empty();
                }
                outcomes.add(task.get());
            }
        }
        return outcomes.size() == 1 ? Optional.of(outcomes.iterator().next()) : Optional.empty();
    }

    /** The decoded values of a partition from {@code from} to its end (at most {@code max}); undecodable ones skipped. */
    private static List<String> read(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition, long from, int max,
                                     Function<byte[], String> decode) throws IOException {
        consumer.assign(List.of(partition));
        long begin = consumer.beginningOffsets(List.of(partition)).get(partition);
        long end = consumer.endOffsets(List.of(partition)).get(partition);
        consumer.seek(partition, Math.max(from, begin));
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (consumer.position(partition) < end && values.size() < max) {
            if (System.nanoTime() > deadline) {
                throw new IOException("reading " + partition + " up to offset " + end + " took longer than " + TIMEOUT);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.value() != null) {
                    try {
                        values.add(decode.apply(record.value()));
                    } catch (RuntimeException e) {
                        LOG.debug("skipping the undecodable record at {} offset {}", partition, record.offset(), e);
                    }
                }
            }
        }
        return values;
    }

    private KafkaConsumer<byte[], byte[]> uncommittedReader() {
        Properties config = kafka.properties();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private Map<TopicPartition, Node> partitionLeaders() throws ExecutionException, InterruptedException {
        Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get().stream()
                .filter(t -> t.startsWith(topics.prefix() + ".") || t.startsWith(applicationId + "-")
                        || t.equals(Topic.GROUP_METADATA_TOPIC_NAME))
                .collect(Collectors.toSet());
        Map<TopicPartition, Node> leaders = new HashMap<>();
        admin.describeTopics(names).allTopicNames().get().forEach((topic, description) -> description.partitions()
                .forEach(p -> {
                    if (p.leader() != null) {
                        leaders.put(new TopicPartition(topic, p.partition()), p.leader());
                    }
                }));
        return leaders;
    }

    private String undecided(List<Hanging> transaction) {
        Hanging first = transaction.get(0);
        return "a transaction of " + first.transactionalId() + " (producer " + first.producerId() + ", epoch "
                + first.producerEpoch() + ") hangs on " + transaction.stream().map(Hanging::partition).toList()
                + ": its coordinator has finished with it but these partitions never got its markers, so their readers, "
                + "and the restore of the tasks they belong to, stop there. DKV cannot tell from the committed offsets whether "
                + "it committed. Stop DKV, end it with " + transaction.stream().map(h -> h.abortCommand(kafka.bootstrapServers()))
                .collect(Collectors.joining(" and ")) + " (an abort drops the writes of that one transaction if it had "
                + "committed), and start DKV again.";
    }
}
