package io.dkv.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class StoreMetaCodecTest {

    @Test
    void storeMetaWrittenWithTheFirstSchemaIsALiveStore() throws Exception {
        Schema schema = DkvCodec.history("StoreMeta-1.avsc");
        GenericRecord old = new GenericData.Record(schema);
        old.put("revision", 12L);
        old.put("keyCount", 3L);
        old.put("createdAtMs", 7L);

        StoreMeta meta = DkvCodec.STORE_META.decode(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(old).array());

        assertThat(meta.getRevision()).isEqualTo(12);
        assertThat(meta.getKeyCount()).isEqualTo(3);
        assertThat(meta.getDeleting()).isFalse();
    }

    @Test
    void aDeletingStoreRoundTrips() {
        StoreMeta meta = StoreMeta.newBuilder().setRevision(4).setKeyCount(0).setCreatedAtMs(7).setDeleting(true).build();

        assertThat(DkvCodec.STORE_META.decode(DkvCodec.STORE_META.encode(meta)).getDeleting()).isTrue();
    }

    @Test
    void repliesWrittenBeforeConflictExistedStillDecode() throws Exception {
        ProcessedRequest decoded = oldReply("ProcessedRequest-1.avsc");

        assertThat(decoded.getReply().getStatus()).isEqualTo(Status.ALREADY_EXISTS);
        assertThat(decoded.getReply().getRevision()).isEqualTo(5);
    }

    @Test
    void repliesWrittenBeforeErrorCodesExistedHaveNone() throws Exception {
        ProcessedRequest decoded = oldReply("ProcessedRequest-2.avsc");

        assertThat(decoded.getReply().getStatus()).isEqualTo(Status.ALREADY_EXISTS);
        assertThat(decoded.getReply().getCode()).isNull();
        assertThat(decoded.getReply().getLease()).isNull();
    }

    /** An ALREADY_EXISTS reply at revision 5 written with a bundled older schema. */
    private static ProcessedRequest oldReply(String schemaFile) throws Exception {
        Schema schema = DkvCodec.history(schemaFile);
        Schema replySchema = schema.getField("reply").schema();
        GenericRecord reply = new GenericData.Record(replySchema);
        reply.put("requestId", "r-1");
        reply.put("store", "orders");
        reply.put("status", new GenericData.EnumSymbol(replySchema.getField("status").schema(), "ALREADY_EXISTS"));
        reply.put("revision", 5L);
        reply.put("succeeded", false);
        reply.put("results", new GenericData.Array<>(replySchema.getField("results").schema(), List.of()));
        reply.put("message", null);
        GenericRecord old = new GenericData.Record(schema);
        old.put("processedAtMs", 9L);
        old.put("reply", reply);

        return DkvCodec.PROCESSED_REQUEST.decode(
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(old).array());
    }
}
