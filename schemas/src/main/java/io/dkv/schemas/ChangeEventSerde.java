package io.dkv.schemas;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A Kafka {@link Serde} for the values of a change topic, for Kafka Streams and plain clients.
 *
 * <ul>
 *   <li>{@link #events()}: a tombstone becomes a {@link ChangeEvent} of type DELETE, built from its
 *       headers (revision, lease). For a {@code KStream} of changes, where a delete is an event.</li>
 *   <li>{@link #tableValues()}: a tombstone stays null. For a {@code KTable} or a
 *       {@code GlobalKTable} of a store, where a null value removes the key, as in DKV.</li>
 * </ul>
 *
 * Kafka Streams hands tombstones to the deserializer; {@code KafkaConsumer} does not (its records
 * carry a null value: use {@link ChangeEventDeserializer#fromTombstone(Headers)}). Keys are the raw
 * user key: {@code Serdes.ByteArray()}, or {@code Serdes.String()} for UTF-8 keys. Thread-safe.
 */
public final class ChangeEventSerde extends Serdes.WrapperSerde<ChangeEvent> {

    private ChangeEventSerde(Deserializer<ChangeEvent> deserializer) {
        super(new ChangeEventSerializer(), deserializer);
    }

    /** Deletes as DELETE events. */
    public static Serde<ChangeEvent> events() {
        return new ChangeEventSerde(new ChangeEventDeserializer());
    }

    /** Deletes as null values, which remove the key from a table. */
    public static Serde<ChangeEvent> tableValues() {
        return new ChangeEventSerde(new Deserializer<>() {
            private final ChangeEventDeserializer events = new ChangeEventDeserializer();

            @Override
            public ChangeEvent deserialize(String topic, byte[] data) {
                return events.deserialize(topic, data);
            }

            @Override
            public ChangeEvent deserialize(String topic, Headers headers, byte[] data) {
                return events.deserialize(topic, data);
            }
        });
    }
}
