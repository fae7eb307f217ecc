package io.dkv.streams.internals;

import io.dkv.streams.CommittedReplyListener;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * Kafka Streams' clients, as its default supplier makes them, except that producers are
 * {@link ReplyTrackingProducer}s reporting to the listener set last (none at first), and main
 * consumers are {@link IdleAwareConsumer}s. Thread-safe.
 */
public final class ReplyTrackingClientSupplier implements KafkaClientSupplier {
    private static final CommittedReplyListener NO_LISTENER = replies -> { };

    private final String repliesTopic;
    private final Supplier<Duration> idlePoll;
    private volatile CommittedReplyListener listener = NO_LISTENER;

    /**
     * @param idlePoll how long an idle stream thread's consumer waits in poll now (see {@link IdleAwareConsumer});
     *                 called on stream threads
     */
    public ReplyTrackingClientSupplier(String repliesTopic, Supplier<Duration> idlePoll) {
        this.repliesTopic = repliesTopic;
        this.idlePoll = idlePoll;
    }

    public void listener(CommittedReplyListener listener) {
        this.listener = listener;
    }

    public CommittedReplyListener listener() {
        return listener;
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new ReplyTrackingProducer(config, repliesTopic, () -> listener);
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new IdleAwareConsumer(config, idlePoll);
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return getRestoreConsumer(config);
    }
}
