package io.dkv.connect.converter;

import io.dkv.connect.PluginVersion;
import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.InvalidRecordException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * A Connect {@link Converter} for the values of a DKV change topic
 * ({@code <prefix>.store.<store>.changes}): any sink receives each change as a {@link Struct} of
 * {@link ChangeEventSchema}, built from the Avro value and the {@code dkv.*} headers.
 *
 * <p>A delete is a tombstone on the topic. With {@code tombstones=delete-record} (the default) it
 * becomes a struct of type {@code DELETE} carrying its revision, lease, cause and the deleted value;
 * with {@code tombstones=null} it stays a null value, which sinks such as JDBC take as a delete.
 * {@code value.format=string} gives values as UTF-8 strings instead of bytes.
 *
 * <p>Bytes that are not a change event raise a {@link DataException}, so the worker's error
 * handling ({@code errors.tolerance}, {@code errors.deadletterqueue.topic.name}) decides what
 * happens to the record. It converts values only; keys are the raw user key, for
 * {@code ByteArrayConverter} or {@code StringConverter}. {@link #fromConnectData} encodes a
 * {@code PUT} struct back into the topic's format and a {@code DELETE} into a tombstone.
 * Thread-safe once configured.
 */
public class ChangeEventConverter implements Converter, Versioned {
    public static final String TOMBSTONES_CONFIG = "tombstones";
    public static final String TOMBSTONES_DELETE_RECORD = "delete-record";
    public static final String TOMBSTONES_NULL = "null";
    public static final String VALUE_FORMAT_CONFIG = "value.format";
    public static final String VALUE_FORMAT_BYTES = "bytes";
    public static final String VALUE_FORMAT_STRING = "string";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(TOMBSTONES_CONFIG, ConfigDef.Type.STRING, TOMBSTONES_DELETE_RECORD,
                    ConfigDef.ValidString.in(TOMBSTONES_DELETE_RECORD, TOMBSTONES_NULL), ConfigDef.Importance.MEDIUM,
                    "What a tombstone (a delete) becomes: 'delete-record', a struct of type DELETE with its "
                            + "revision, lease, cause and deleted value; or 'null', a record with a null value.")
            .define(VALUE_FORMAT_CONFIG, ConfigDef.Type.STRING, VALUE_FORMAT_BYTES,
                    ConfigDef.ValidString.in(VALUE_FORMAT_BYTES, VALUE_FORMAT_STRING), ConfigDef.Importance.MEDIUM,
                    "How the value and prevValue fields are given: 'bytes' as written, or 'string' decoded as UTF-8.");

    private boolean tombstonesAsRecords = true;
    private boolean valuesAsStrings;
    private Schema schema = ChangeEventSchema.BYTES;

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public String version() {
        return PluginVersion.get();
    }

    /** @throws ConfigException if configured as a key converter or with an invalid option */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (isKey) {
            throw new ConfigException(getClass().getName() + " converts change-topic values; keys are the raw user"
                    + " key: use org.apache.kafka.connect.converters.ByteArrayConverter or"
                    + " org.apache.kafka.connect.storage.StringConverter as the key.converter");
        }
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, configs);
        tombstonesAsRecords = TOMBSTONES_DELETE_RECORD.equals(config.getString(TOMBSTONES_CONFIG));
        valuesAsStrings = VALUE_FORMAT_STRING.equals(config.getString(VALUE_FORMAT_CONFIG));
        schema = valuesAsStrings ? ChangeEventSchema.STRING : ChangeEventSchema.BYTES;
    }

    /** The schema of the structs this converter produces, as configured. */
    public Schema schema() {
        return schema;
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        return toConnectData(topic, null, value);
    }

    @Override
    public SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
        if (value == null) {
            String revision = headers == null ? null : ChangeHeaders.get(headers, ChangeHeaders.REVISION);
            if (!tombstonesAsRecords || revision == null) {
                return SchemaAndValue.NULL;
            }
            Struct struct = new Struct(schema)
                    .put(ChangeEventSchema.TYPE, ChangeType.DELETE.name())
                    .put(ChangeEventSchema.PREV_VALUE, format(lastHeaderBytes(headers, ChangeHeaders.PREV_VALUE)))
                    .put(ChangeEventSchema.REVISION, parseLong(revision, ChangeHeaders.REVISION))
                    .put(ChangeEventSchema.CREATE_REVISION, 0L)
                    .put(ChangeEventSchema.VERSION, 0L)
                    .put(ChangeEventSchema.LEASE, headerLong(headers, ChangeHeaders.LEASE))
                    .put(ChangeEventSchema.CAUSE, ChangeHeaders.get(headers, ChangeHeaders.CAUSE));
            return new SchemaAndValue(schema, withHeaderFields(struct, headers));
        }
        ChangeEvent event;
        try {
            event = DkvCodec.CHANGE_EVENT.decode(value);
        } catch (InvalidRecordException e) {
            throw new DataException("record of topic " + topic + " is not a DKV change event: " + e.getMessage(), e);
        }
        Struct struct = new Struct(schema)
                .put(ChangeEventSchema.TYPE, event.getType().name())
                .put(ChangeEventSchema.VALUE, format(bytes(event.getValue())))
                .put(ChangeEventSchema.PREV_VALUE, format(bytes(event.getPrevValue())))
                .put(ChangeEventSchema.REVISION, event.getRevision())
                .put(ChangeEventSchema.CREATE_REVISION, event.getCreateRevision())
                .put(ChangeEventSchema.VERSION, event.getVersion())
                .put(ChangeEventSchema.LEASE, event.getLease())
                .put(ChangeEventSchema.CAUSE, headers == null ? null : ChangeHeaders.get(headers, ChangeHeaders.CAUSE));
        return new SchemaAndValue(schema, withHeaderFields(struct, headers));
    }

    /** @throws DataException if the value is neither null nor a struct with this converter's fields */
    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Struct struct)) {
            throw new DataException("expected a " + ChangeEventSchema.NAME + " struct, got " + value.getClass().getName());
        }
        ChangeType type = ChangeType.valueOf(struct.getString(ChangeEventSchema.TYPE));
        if (type == ChangeType.DELETE) {
            return null;
        }
        return DkvCodec.CHANGE_EVENT.encode(ChangeEvent.newBuilder()
                .setType(type)
                .setValue(wrap(struct.get(ChangeEventSchema.VALUE)))
                .setPrevValue(wrap(struct.get(ChangeEventSchema.PREV_VALUE)))
                .setRevision(struct.getInt64(ChangeEventSchema.REVISION))
                .setCreateRevision(struct.getInt64(ChangeEventSchema.CREATE_REVISION))
                .setVersion(struct.getInt64(ChangeEventSchema.VERSION))
                .setLease(struct.getInt64(ChangeEventSchema.LEASE))
                .build());
    }

    private static Struct withHeaderFields(Struct struct, Headers headers) {
        if (headers != null) {
            struct.put(ChangeEventSchema.STORE, ChangeHeaders.get(headers, ChangeHeaders.STORE));
            String size = ChangeHeaders.get(headers, ChangeHeaders.BATCH_SIZE);
            String index = ChangeHeaders.get(headers, ChangeHeaders.BATCH_INDEX);
            struct.put(ChangeEventSchema.BATCH_SIZE, size == null ? null : (int) parseLong(size, ChangeHeaders.BATCH_SIZE));
            struct.put(ChangeEventSchema.BATCH_INDEX, index == null ? null : (int) parseLong(index, ChangeHeaders.BATCH_INDEX));
        }
        struct.validate();
        return struct;
    }

    private Object format(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        return valuesAsStrings ? new String(bytes, StandardCharsets.UTF_8) : bytes;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        return buffer == null ? null : Utils.toArray(buffer.duplicate());
    }

    private static ByteBuffer wrap(Object value) {
        if (value == null) {
            return null;
        }
        return ByteBuffer.wrap(value instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) value);
    }

    private static byte[] lastHeaderBytes(Headers headers, String name) {
        var header = headers.lastHeader(name);
        return header == null ? null : header.value();
    }

    private static long headerLong(Headers headers, String name) {
        String value = ChangeHeaders.get(headers, name);
        return value == null ? 0 : parseLong(value, name);
    }

    private static long parseLong(String value, String header) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new DataException("header " + header + " is not a number: " + value, e);
        }
    }
}
