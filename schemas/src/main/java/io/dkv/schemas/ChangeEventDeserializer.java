package io.dkv.schemas;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the values of a store's change topic ({@code <prefix>.store.<store>.changes}) for plain
 * Kafka consumers, Kafka Streams and Connect. Keys are the raw user key bytes (use
 * {@code ByteArrayDeserializer} or {@code StringDeserializer}).
 *
 * <p>A PUT record's value is a single-object-encoded {@link ChangeEvent}. A DELETE is a tombstone
 * (null value, so compaction can drop the key). {@code KafkaConsumer} hands tombstones over with a
 * null value without calling any deserializer; turn one into a {@code ChangeEvent} of type DELETE
 * with {@link #fromTombstone(Headers)}, which reads {@link ChangeHeaders#REVISION} and
 * {@link ChangeHeaders#LEASE}. Callers that do pass null with headers get the same. Thread-safe.
 *
 * @throws SerializationException for bytes that are not a change event
 */
public class ChangeEventDeserializer implements Deserializer<ChangeEvent> {

    @Override
    public ChangeEvent deserialize(String topic, byte[] data) {
        return data == null ? null : decode(data);
    }

    @Override
    public ChangeEvent deserialize(String topic, Headers headers, byte[] data) {
        if (data != null) {
            return decode(data);
        }
        return headers == null ? null : fromTombstone(headers);
    }

    /** The DELETE event a tombstone stands for, from its headers; null if they are not DKV's. */
    public static ChangeEvent fromTombstone(Headers headers) {
        String revision = ChangeHeaders.get(headers, ChangeHeaders.REVISION);
        if (revision == null) {
            return null;
        }
        String lease = ChangeHeaders.get(headers, ChangeHeaders.LEASE);
        return ChangeEvent.newBuilder()
                .setType(ChangeType.DELETE)
                .setRevision(Long.parseLong(revision))
                .setLease(lease == null ? 0 : Long.parseLong(lease))
                .build();
    }

    private static ChangeEvent decode(byte[] data) {
        try {
            return DkvCodec.CHANGE_EVENT.decode(data);
        } catch (InvalidRecordException e) {
            throw new SerializationException(e.getMessage(), e);
        }
    }
}
