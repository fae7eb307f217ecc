package io.dkv.kafka;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates DKV's topics idempotently and verifies that existing ones have the configuration DKV
 * relies on. Blocking: call from a worker thread. Thread-safe (the {@link Admin} client is).
 */
public final class TopicManager {
    private static final Logger LOG = LoggerFactory.getLogger(TopicManager.class);
    private static final long TIMEOUT_MS = 30_000;

    private final Admin admin;
    private final DkvTopics topics;

    public TopicManager(Admin admin, DkvTopics topics) {
        this.admin = admin;
        this.topics = topics;
    }

    /**
     * Ensures the commands topic exists with a delete cleanup policy, and the replies topic (a Kafka
     * Streams changelog) with as many partitions and the configuration Kafka Streams would give it.
     * Creating it here rather than leaving it to Kafka Streams lets a gateway start reading replies
     * before the Streams instances first agree on their tasks.
     *
     * @param repliesTopic the replies topic's name ({@code DkvTopology.repliesTopic})
     * @param repliesRetentionMs its retention ({@code DkvTopology.repliesRetentionMs})
     * @throws TopicConfigException if a topic exists with a configuration DKV cannot work with
     */
    public void ensureCoreTopics(String repliesTopic, long repliesRetentionMs) {
        ensure(topics.commands(), topics.settings().commandPartitions(), topics.commandsConfig(), "delete");
        // Kafka Streams requires a changelog to have exactly as many partitions as its input topic.
        ensure(repliesTopic, partitions(topics.commands()), topics.repliesConfig(repliesRetentionMs), "compact,delete");
    }

    /**
     * Ensures the change topic of a store exists and is compacted (without deletion by time).
     *
     * @throws TopicConfigException if it exists with another cleanup policy
     */
    public void ensureChangeTopic(String store) {
        ensure(topics.changes(store), 1, topics.changesConfig(), "compact");
    }

    /**
     * Whether the change topic of a store exists and holds committed records (or the markers of
     * transactions): its last stable offset is past its start.
     */
    public boolean changeTopicHasRecords(String store) {
        TopicPartition partition = new TopicPartition(topics.changes(store), 0);
        try {
            // Asked first because the admin client retries offsets of a topic it saw moments ago
            // until its timeout, while the broker answers this at once.
            admin.describeTopics(List.of(partition.topic())).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            long start = offset(partition, OffsetSpec.earliest());
            return offset(partition, OffsetSpec.latest()) > start;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw new IllegalStateException("cannot read the offsets of topic " + partition.topic(), naming(e.getCause(), partition.topic()));
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("cannot read the offsets of topic " + partition.topic(), e);
        }
    }

    private long offset(TopicPartition partition, OffsetSpec spec) throws ExecutionException, InterruptedException, TimeoutException {
        return admin.listOffsets(Map.of(partition, spec), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(partition).get(TIMEOUT_MS, TimeUnit.MILLISECONDS).offset();
    }

    /** Deletes the change topic of a store; missing is fine. */
    public void deleteChangeTopic(String store) {
        try {
            admin.deleteTopics(List.of(topics.changes(store))).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw new IllegalStateException("cannot delete topic " + topics.changes(store), naming(e.getCause(), topics.changes(store)));
            }
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("cannot delete topic " + topics.changes(store), e);
        }
    }

    /** @return the partition count of an existing topic, waiting briefly for a new topic's metadata to spread */
    public int partitions(String topic) {
        return describe(topic).partitions().size();
    }

    private TopicDescription describe(String topic) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (true) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(), naming(e.getCause(), topic));
                }
            } catch (InterruptedException | TimeoutException e) {
                throw new IllegalStateException("cannot describe topic " + topic + ": Kafka did not answer", e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing topic " + topic, e);
            }
        }
    }

    private void ensure(String topic, int partitions, Map<String, String> config, String requiredPolicy) {
        NewTopic newTopic = new NewTopic(topic, Optional.of(partitions), replication()).configs(config);
        try {
            admin.createTopics(List.of(newTopic)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            LOG.info("Created topic {} ({} partitions, {})", topic, partitions, config);
            return;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause().getMessage(), naming(e.getCause(), topic));
            }
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("cannot create topic " + topic + ": Kafka did not answer", e);
        }
        verify(topic, partitions, requiredPolicy);
    }

    private void verify(String topic, int partitions, String requiredPolicy) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = call(() -> admin.describeConfigs(Set.of(resource)).all()
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(resource), "describe the configuration of topic " + topic, topic);
        ConfigEntry policy = config.get("cleanup.policy");
        String actual = policy == null ? "delete" : policy.value().replace(" ", "");
        if (!policies(actual).equals(policies(requiredPolicy))) {
            throw new TopicConfigException(topic, "cleanup.policy=" + actual + " but DKV needs cleanup.policy="
                    + requiredPolicy + ". Fix it with: kafka-configs.sh --bootstrap-server <servers> --alter --entity-type topics"
                    + " --entity-name " + topic + " --add-config cleanup.policy=" + requiredPolicy
                    + " (or delete the topic if it holds nothing you need)");
        }
        TopicDescription description = describe(topic);
        if (description.partitions().size() != partitions) {
            LOG.warn("Topic {} exists with {} partitions, not the configured {}; keeping the existing count"
                    + " (changing it would move stores between partitions)", topic, description.partitions().size(), partitions);
        }
    }

    /** The policies of a cleanup.policy value, whose order does not matter. */
    private static Set<String> policies(String cleanupPolicy) {
        return Set.copyOf(Arrays.asList(cleanupPolicy.split(",")));
    }

    private Optional<Short> replication() {
        short factor = topics.settings().replicationFactor();
        return factor > 0 ? Optional.of(factor) : Optional.empty();
    }

    private interface AdminCall<T> {
        T run() throws Exception;
    }

    private static <T> T call(AdminCall<T> call, String what, String topic) {
        try {
            return call.run();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot " + what + ": " + e.getCause().getMessage(), naming(e.getCause(), topic));
        } catch (Exception e) {
            throw new IllegalStateException("cannot " + what + ": " + e.getMessage(), e);
        }
    }

    /** A topic exists with a configuration DKV cannot run on; the message names the topic and the fix. */
    public static final class TopicConfigException extends RuntimeException {
        public TopicConfigException(String topic, String problem) {
            super("Topic " + topic + " has " + problem);
        }
    }

    /**
     * The cause, with the topic named when Kafka refused an operation on it without saying which
     * topic (createTopics does), so that {@link RequiredAcls#explain} can name the ACL it needs.
     */
    private static Throwable naming(Throwable cause, String topic) {
        if (cause instanceof TopicAuthorizationException denied && denied.unauthorizedTopics().isEmpty()) {
            return new TopicAuthorizationException(denied.getMessage(), Set.of(topic));
        }
        return cause;
    }
}
