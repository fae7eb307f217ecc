package io.dkv.kafka;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The names and configurations of DKV's topics. All names start with one prefix (default
 * {@code dkv}) so several DKV deployments can share a cluster.
 *
 * <ul>
 *   <li>{@code <prefix>.commands}: requests, keyed by store name; time-retained, not the source of truth.
 *   <li>the replies topic, {@code <application id>-processed-requests-changelog}: the outcome of every
 *       command, in the changelog Kafka Streams keeps of DKV's dedupe store (named by
 *       {@code DkvTopology.repliesTopic}, configured by {@link #repliesConfig}).
 *   <li>{@code <prefix>.store.<store>.changes}: the compacted change topic of one store, keyed by the
 *       user key; the store's source of truth for consumers outside DKV.
 * </ul>
 * Immutable and thread-safe.
 */
public final class DkvTopics {
    /** Store names: letters, digits, '-' and '_', 1 to 64 characters (they become part of topic names). */
    public static final Pattern STORE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final String prefix;
    private final TopicSettings settings;

    public DkvTopics(String prefix, TopicSettings settings) {
        this.prefix = Objects.requireNonNull(prefix);
        this.settings = Objects.requireNonNull(settings);
    }

    public String prefix() {
        return prefix;
    }

    public TopicSettings settings() {
        return settings;
    }

    public String commands() {
        return prefix + ".commands";
    }

    public String changes(String store) {
        if (!STORE_NAME.matcher(store).matches()) {
            throw new IllegalArgumentException("invalid store name: " + store);
        }
        return prefix + ".store." + store + ".changes";
    }

    Map<String, String> commandsConfig() {
        return Map.of(
                "cleanup.policy", "delete",
                "retention.ms", String.valueOf(settings.commandRetentionMs()),
                "max.message.bytes", String.valueOf(settings.maxMessageBytes()));
    }

    /** The configuration Kafka Streams gives a window store's changelog, with DKV's record size. */
    Map<String, String> repliesConfig(long retentionMs) {
        return Map.of(
                "cleanup.policy", "compact,delete",
                "retention.ms", String.valueOf(retentionMs),
                "message.timestamp.type", "CreateTime",
                "max.message.bytes", String.valueOf(settings.maxMessageBytes()));
    }

    Map<String, String> changesConfig() {
        return Map.of(
                "cleanup.policy", "compact",
                "min.compaction.lag.ms", String.valueOf(settings.changeMinCompactionLagMs()),
                "max.message.bytes", String.valueOf(settings.maxMessageBytes()));
    }

    /**
     * Sizing and retention of DKV's topics.
     *
     * @param commandPartitions partitions of the commands topic: the most Streams tasks that share stores
     * @param replicationFactor replication factor of new topics, or -1 for the broker default
     * @param commandRetentionMs how long commands are kept (they are not the source of truth)
     * @param changeMinCompactionLagMs how long every change stays in a change topic before compaction
     *     may drop it: the window in which exact history is guaranteed
     * @param maxMessageBytes largest record on DKV's topics
     */
    public record TopicSettings(int commandPartitions, short replicationFactor,
            long commandRetentionMs, long changeMinCompactionLagMs, int maxMessageBytes) {

        public static TopicSettings defaults() {
            return new TopicSettings(6, (short) -1, 24 * 3_600_000L, 3_600_000L, 2 * 1024 * 1024);
        }
    }
}
