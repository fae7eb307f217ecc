package io.dkv.schemas;

import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes change events in a change topic's format: a PUT as its single-object-encoded Avro value, a
 * DELETE (or null) as a tombstone, so that compaction can drop the key. The headers a DELETE's
 * metadata travels in ({@link ChangeHeaders}) are the producer's to add. Thread-safe.
 */
public class ChangeEventSerializer implements Serializer<ChangeEvent> {

    @Override
    public byte[] serialize(String topic, ChangeEvent event) {
        if (event == null || event.getType() == ChangeType.DELETE) {
            return null;
        }
        return DkvCodec.CHANGE_EVENT.encode(event);
    }
}
