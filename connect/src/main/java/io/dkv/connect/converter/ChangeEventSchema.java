package io.dkv.connect.converter;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * The Connect schema of a change record's value, {@code io.dkv.ChangeEvent}: the Avro
 * {@code ChangeEvent} with what a consumer would otherwise read from the record's headers.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><td>{@code type}</td><td>string</td><td>{@code PUT} or {@code DELETE}</td></tr>
 *   <tr><td>{@code value}</td><td>optional bytes or string</td><td>the new value; null on a DELETE</td></tr>
 *   <tr><td>{@code prevValue}</td><td>optional bytes or string</td><td>the value the change replaced or removed; null when a put created the key</td></tr>
 *   <tr><td>{@code revision}</td><td>int64</td><td>the store revision of the change</td></tr>
 *   <tr><td>{@code createRevision}</td><td>int64</td><td>revision of the put that created the key; 0 on a DELETE</td></tr>
 *   <tr><td>{@code version}</td><td>int64</td><td>1 on creation, +1 per put; 0 on a DELETE</td></tr>
 *   <tr><td>{@code lease}</td><td>int64</td><td>the lease the key is attached to; 0 for none</td></tr>
 *   <tr><td>{@code cause}</td><td>optional string</td><td>on a DELETE no client asked for: {@code lease-expired}, {@code lease-revoked}, {@code lock-released}</td></tr>
 *   <tr><td>{@code store}</td><td>optional string</td><td>the DKV store</td></tr>
 *   <tr><td>{@code batchSize}, {@code batchIndex}</td><td>optional int32</td><td>how many records share the revision (one transaction) and this record's place among them</td></tr>
 * </table>
 *
 * The record's key is the user key; it is converted by the worker's {@code key.converter}
 * ({@code ByteArrayConverter} keeps its bytes, {@code StringConverter} reads it as UTF-8).
 */
public final class ChangeEventSchema {
    public static final String NAME = "io.dkv.ChangeEvent";
    public static final String TYPE = "type";
    public static final String VALUE = "value";
    public static final String PREV_VALUE = "prevValue";
    public static final String REVISION = "revision";
    public static final String CREATE_REVISION = "createRevision";
    public static final String VERSION = "version";
    public static final String LEASE = "lease";
    public static final String CAUSE = "cause";
    public static final String STORE = "store";
    public static final String BATCH_SIZE = "batchSize";
    public static final String BATCH_INDEX = "batchIndex";

    /** The schema whose values are bytes. */
    public static final Schema BYTES = build(Schema.OPTIONAL_BYTES_SCHEMA);
    /** The schema whose values are UTF-8 strings. */
    public static final Schema STRING = build(Schema.OPTIONAL_STRING_SCHEMA);

    private ChangeEventSchema() {
    }

    private static Schema build(Schema valueSchema) {
        return SchemaBuilder.struct().name(NAME).version(1)
                .field(TYPE, Schema.STRING_SCHEMA)
                .field(VALUE, valueSchema)
                .field(PREV_VALUE, valueSchema)
                .field(REVISION, Schema.INT64_SCHEMA)
                .field(CREATE_REVISION, Schema.INT64_SCHEMA)
                .field(VERSION, Schema.INT64_SCHEMA)
                .field(LEASE, Schema.INT64_SCHEMA)
                .field(CAUSE, Schema.OPTIONAL_STRING_SCHEMA)
                .field(STORE, Schema.OPTIONAL_STRING_SCHEMA)
                .field(BATCH_SIZE, Schema.OPTIONAL_INT32_SCHEMA)
                .field(BATCH_INDEX, Schema.OPTIONAL_INT32_SCHEMA)
                .build();
    }
}
