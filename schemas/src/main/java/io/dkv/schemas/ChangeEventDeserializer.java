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
 * (null value, so compaction can drop the key); given its headers, this deserializer turns it into
 * a {@code ChangeEvent} of type DELETE with the revision from {@link ChangeHeaders#REVISION}.
 * Without headers a tombstone deserializes to null. Thread-safe.
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
        String revision = headers == null ? null : ChangeHeaders.get(headers, ChangeHeaders.REVISION);
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
