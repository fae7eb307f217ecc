package io.dkv.streams.kv.internals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The time a task's {@code kv} rebuild has before Kafka Streams drops its stream thread from the
 * consumer group. The rebuild runs on the stream thread while the task starts, and the thread does
 * not poll meanwhile; once that lasts longer than the main consumer's {@code max.poll.interval.ms}
 * the thread's partitions are given to others, and a task that loses its state that way starts its
 * rebuild again. Projects, from the progress so far, whether the rebuild will end in time, so the
 * operator hears about it while there is a setting to change rather than after a rebalance.
 *
 * <p>Not thread-safe: one per rebuild, used on the stream thread.
 */
final class RebuildDeadline {
    /** Projections from less reading than this are mostly noise (a cold JIT, the first fetch). */
    static final Duration SETTLING = Duration.ofSeconds(1);

    private final long limitNanos;
    private final long startedNanos;
    private boolean reported;

    /**
     * @param limit        the main consumer's {@code max.poll.interval.ms} ({@link #maxPollInterval})
     * @param startedNanos when the task's rebuild began ({@link System#nanoTime()})
     */
    RebuildDeadline(Duration limit, long startedNanos) {
        this.limitNanos = limit.toNanos();
        this.startedNanos = startedNanos;
    }

    /**
     * The main consumer's {@code max.poll.interval.ms} as Kafka Streams resolves it from its
     * configuration: the {@code main.consumer.} setting, else the {@code consumer.} one, else the
     * plain one, else Kafka's default.
     */
    static Duration maxPollInterval(Map<String, Object> streamsConfig) {
        String name = ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG;
        for (String key : List.of(StreamsConfig.mainConsumerPrefix(name), StreamsConfig.consumerPrefix(name), name)) {
            Object value = streamsConfig.get(key);
            if (value != null) {
                return Duration.ofMillis(((Number) ConfigDef.parseType(key, value, ConfigDef.Type.INT)).longValue());
            }
        }
        return Duration.ofMillis(((Number) ConsumerConfig.configDef().defaultValues().get(name)).longValue());
    }

    /**
     * The projected length of the whole rebuild, the first time it exceeds the limit; empty before
     * that, after it was reported once, and while the current store has been read for less than
     * {@link #SETTLING}.
     *
     * @param storeStartedNanos when reading the current store began
     * @param nowNanos          now
     * @param read              offsets of the current store's topic read so far
     * @param total             offsets to read for the current store
     */
    Optional<Duration> overrun(long storeStartedNanos, long nowNanos, long read, long total) {
        long storeElapsed = nowNanos - storeStartedNanos;
        if (reported || read <= 0 || storeElapsed < SETTLING.toNanos()) {
            return Optional.empty();
        }
        double remaining = (double) storeElapsed * Math.max(0, total - read) / read;
        long projected = (nowNanos - startedNanos) + (long) remaining;
        if (projected <= limitNanos) {
            return Optional.empty();
        }
        reported = true;
        return Optional.of(Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(projected)));
    }

    Duration limit() {
        return Duration.ofNanos(limitNanos);
    }
}
