package io.dkv.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Encodes and decodes DKV's Avro records in Avro single-object encoding (header {@code C3 01},
 * the writer schema's 8-byte CRC-64-AVRO fingerprint, then the binary body).
 *
 * <p>Instead of a schema registry, every schema version DKV ever wrote is bundled in
 * {@link #SCHEMAS}; a record written with any of them decodes into the current class.
 * Instances are immutable and thread-safe.
 *
 * @param <T> the generated record class
 */
public final class DkvCodec<T extends SpecificRecord> {

    /** Every writer schema DKV may meet on a topic or in a state store. Append, never remove. */
    static final List<Schema> SCHEMAS = List.of(
            history("Command-1.avsc"),
            history("Command-2.avsc"),
            history("Command-3.avsc"),
            history("Command-4.avsc"),
            history("Command-5.avsc"),
            history("Command-6.avsc"),
            Command.getClassSchema(),
            history("Reply-1.avsc"),
            history("Reply-2.avsc"),
            history("Reply-3.avsc"),
            Reply.getClassSchema(),
            history("ChangeEvent-1.avsc"),
            ChangeEvent.getClassSchema(),
            KeyValue.getClassSchema(),
            history("StoreMeta-1.avsc"),
            StoreMeta.getClassSchema(),
            history("ProcessedRequest-1.avsc"),
            history("ProcessedRequest-2.avsc"),
            history("ProcessedRequest-3.avsc"),
            ProcessedRequest.getClassSchema(),
            history("Lease-1.avsc"),
            Lease.getClassSchema(),
            Lock.getClassSchema(),
            LockWaiter.getClassSchema());

    private static final SchemaStore.Cache BUNDLED = new SchemaStore.Cache();

    static {
        SCHEMAS.forEach(BUNDLED::addSchema);
    }

    public static final DkvCodec<Command> COMMAND = new DkvCodec<>(Command.getClassSchema());
    public static final DkvCodec<ChangeEvent> CHANGE_EVENT = new DkvCodec<>(ChangeEvent.getClassSchema());
    public static final DkvCodec<KeyValue> KEY_VALUE = new DkvCodec<>(KeyValue.getClassSchema());
    public static final DkvCodec<StoreMeta> STORE_META = new DkvCodec<>(StoreMeta.getClassSchema());
    public static final DkvCodec<Lease> LEASE = new DkvCodec<>(Lease.getClassSchema());
    public static final DkvCodec<Lock> LOCK = new DkvCodec<>(Lock.getClassSchema());
    public static final DkvCodec<LockWaiter> LOCK_WAITER = new DkvCodec<>(LockWaiter.getClassSchema());
    public static final DkvCodec<ProcessedRequest> PROCESSED_REQUEST = new DkvCodec<>(ProcessedRequest.getClassSchema());

    /** A superseded writer schema bundled under {@code history/}, by file name. */
    static Schema history(String name) {
        try (InputStream in = DkvCodec.class.getResourceAsStream("history/" + name)) {
            if (in == null) {
                throw new IllegalStateException("schema history " + name + " is missing from the schemas jar");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema history " + name, e);
        }
    }

    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private DkvCodec(Schema schema) {
        this.encoder = new BinaryMessageEncoder<>(SpecificData.get(), schema);
        this.decoder = new BinaryMessageDecoder<>(SpecificData.get(), schema, BUNDLED);
    }

    /** @throws UncheckedIOException never in practice: encoding into memory does not fail */
    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @throws InvalidRecordException if the bytes are not single-object encoded, or were written
     *     with a schema that is not bundled
     */
    public T decode(byte[] bytes) {
        try {
            return decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException("not a DKV record: " + e.getMessage(), e);
        }
    }
}
