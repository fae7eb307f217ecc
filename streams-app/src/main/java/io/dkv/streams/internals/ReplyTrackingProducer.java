package io.dkv.streams.internals;

import io.dkv.streams.CommittedReply;
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
    private List<SentReply> replies = new ArrayList<>();

    /** A reply sent in the open transaction; where it landed is known once the broker acknowledged it. */
    private static final class SentReply {
        private final byte[] value;
        private volatile RecordMetadata metadata;

        SentReply(byte[] value) {
            this.value = value;
        }
    }

    ReplyTrackingProducer(Map<String, Object> config, String repliesTopic, Supplier<CommittedReplyListener> listener) {
        super(config, new ByteArraySerializer(), new ByteArraySerializer());
        this.repliesTopic = repliesTopic;
        this.listener = listener;
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
        if (!repliesTopic.equals(record.topic())) {
            return super.send(record, callback);
        }
        SentReply reply = new SentReply(record.value());
        replies.add(reply);
        return super.send(record, (metadata, error) -> {
            reply.metadata = metadata;
            if (callback != null) {
                callback.onCompletion(metadata, error);
            }
        });
    }

    @Override
    public void commitTransaction() {
        super.commitTransaction();
        CommitPacer.forCurrentThread().committed();
        if (replies.isEmpty()) {
            return;
        }
        // A commit flushes first, and the producer runs a record's callback before it completes the
        // record's future, so every reply's metadata is set by now.
        List<CommittedReply> committed = replies.stream()
                .map(r -> new CommittedReply(r.value, r.metadata.partition(), r.metadata.offset())).toList();
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
