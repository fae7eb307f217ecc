package io.dkv.streams.internals;

import io.dkv.streams.CommittedReplyListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream thread's transactional producer that remembers the replies written in the open
 * transaction and hands them to a {@link CommittedReplyListener} once {@link #commitTransaction()}
 * returns: that return is Kafka's commit point, so the replies are durable and will never be rolled
 * back. An aborted transaction's replies are dropped; after a failed commit they are kept until
 * Kafka Streams either commits again or aborts.
 *
 * <p>Not thread-safe, like Kafka Streams' use of it: under exactly-once v2 each stream thread has
 * its own producer and is the only caller of its transactional methods and {@code send}.
 */
final class ReplyTrackingProducer extends KafkaProducer<byte[], byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyTrackingProducer.class);

    private final String repliesTopic;
    private final Supplier<CommittedReplyListener> listener;
    private List<byte[]> replies = new ArrayList<>();

    ReplyTrackingProducer(Map<String, Object> config, String repliesTopic, Supplier<CommittedReplyListener> listener) {
        super(config, new ByteArraySerializer(), new ByteArraySerializer());
        this.repliesTopic = repliesTopic;
        this.listener = listener;
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
        if (repliesTopic.equals(record.topic())) {
            replies.add(record.value());
        }
        return super.send(record, callback);
    }

    @Override
    public void commitTransaction() {
        super.commitTransaction();
        CommitPacer.forCurrentThread().committed();
        if (replies.isEmpty()) {
            return;
        }
        List<byte[]> committed = replies;
        replies = new ArrayList<>();
        try {
            listener.get().committed(committed);
        } catch (RuntimeException e) {
            LOG.warn("The committed-reply listener failed; those replies reach their gateways through the replies topic", e);
        }
    }

    @Override
    public void abortTransaction() {
        replies = new ArrayList<>();
        super.abortTransaction();
    }
}
