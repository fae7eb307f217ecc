package io.dkv.connect.redis.internals;

import io.dkv.connect.converter.ChangeEventSchema;
import io.dkv.schemas.ChangeHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * One change to apply to Redis: the entry's Redis key, whether it is deleted, the value a put
 * wrote and the change's store revision.
 *
 * @param record the record the change came from, for error reporting
 */
public record CacheChange(SinkRecord record, byte[] redisKey, boolean delete, byte[] value, long revision) {

    private static final String TOPIC_STORE_MARK = ".store.";
    private static final String TOPIC_SUFFIX = ".changes";

    /**
     * Reads a record produced by {@code ChangeEventConverter} (a struct, or a null value for a
     * tombstone when the converter passes tombstones as nulls).
     *
     * @throws DataException if the record is not a DKV change, or lacks what the template needs
     */
    public static CacheChange of(SinkRecord record, KeyTemplate template) {
        byte[] key = keyBytes(record);
        Object value = record.value();
        boolean delete;
        byte[] newValue = null;
        long revision;
        if (value == null) {
            delete = true;
            revision = headerLong(record, ChangeHeaders.REVISION);
        } else if (value instanceof Struct struct && ChangeEventSchema.NAME.equals(struct.schema().name())) {
            delete = "DELETE".equals(struct.getString(ChangeEventSchema.TYPE));
            revision = struct.getInt64(ChangeEventSchema.REVISION);
            newValue = delete ? null : bytes(struct.get(ChangeEventSchema.VALUE));
        } else {
            throw new DataException("record at " + record.topic() + "-" + record.kafkaPartition() + "@"
                    + record.kafkaOffset() + " is not a DKV change: set value.converter="
                    + "io.dkv.connect.converter.ChangeEventConverter for this connector");
        }
        String store = template.usesStore() ? store(record) : null;
        return new CacheChange(record, template.render(store, record.topic(), key), delete,
                newValue == null && !delete ? new byte[0] : newValue, revision);
    }

    private static byte[] keyBytes(SinkRecord record) {
        Object key = record.key();
        if (key instanceof byte[] bytes) {
            return bytes;
        }
        if (key instanceof String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        throw new DataException("record at " + record.topic() + "-" + record.kafkaPartition() + "@"
                + record.kafkaOffset() + " has no usable key (" + (key == null ? "null" : key.getClass().getName())
                + "): set key.converter=org.apache.kafka.connect.converters.ByteArrayConverter");
    }

    private static byte[] bytes(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : (byte[]) value;
    }

    private static String store(SinkRecord record) {
        String header = headerString(record, ChangeHeaders.STORE);
        if (header != null) {
            return header;
        }
        String topic = record.topic();
        int mark = topic.lastIndexOf(TOPIC_STORE_MARK);
        if (mark >= 0 && topic.endsWith(TOPIC_SUFFIX) && mark + TOPIC_STORE_MARK.length() < topic.length() - TOPIC_SUFFIX.length()) {
            return topic.substring(mark + TOPIC_STORE_MARK.length(), topic.length() - TOPIC_SUFFIX.length());
        }
        throw new DataException("record of topic " + topic + " names no store (no " + ChangeHeaders.STORE
                + " header, and the topic is not <prefix>.store.<store>.changes); the key template needs ${store}");
    }

    private static String headerString(SinkRecord record, String name) {
        Header header = record.headers().lastWithName(name);
        if (header == null || header.value() == null) {
            return null;
        }
        Object value = header.value();
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value.toString();
    }

    private static long headerLong(SinkRecord record, String name) {
        String text = headerString(record, name);
        if (text == null) {
            throw new DataException("tombstone at " + record.topic() + "-" + record.kafkaPartition() + "@"
                    + record.kafkaOffset() + " has no " + name + " header: it is not a DKV delete");
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new DataException("header " + name + " is not a number: " + text, e);
        }
    }
}
