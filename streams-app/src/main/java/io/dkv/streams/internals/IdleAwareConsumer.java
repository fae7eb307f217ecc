package io.dkv.streams.internals;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A stream thread's main consumer that blocks longer in {@code poll} while its thread has nothing to
 * do. DKV runs Streams with a 1 ms {@code poll.ms} so that a stream thread with an open transaction
 * gets back to its commit checks at once; with nothing open that same 1 ms made an idle thread spin
 * a thousand times a second. A longer poll adds no latency: it returns as soon as a fetch brings
 * commands, and the broker answers a waiting fetch when they arrive.
 *
 * <p>The thread counts as idle when its {@link CommitPacer} has no open transaction and it processed
 * no command since its previous poll (Kafka Streams may still hold commands it fetched earlier and
 * processes them before polling again). How long an idle poll waits is asked anew at each poll:
 * it bounds how late the thread runs what is due on the clock (wall-clock punctuations, noticing
 * that a task finished restoring). Used only by its stream thread, like any consumer.
 */
final class IdleAwareConsumer extends KafkaConsumer<byte[], byte[]> {
    private final Supplier<Duration> idlePoll;

    IdleAwareConsumer(Map<String, Object> config, Supplier<Duration> idlePoll) {
        super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.idlePoll = idlePoll;
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        if (CommitPacer.forCurrentThread().idleSincePreviousPoll()) {
            Duration idle = idlePoll.get();
            return super.poll(idle.compareTo(timeout) > 0 ? idle : timeout);
        }
        return super.poll(timeout);
    }
}
