package io.dkv.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class ChangeEventDeserializerTest {

    private final ChangeEventDeserializer deserializer = new ChangeEventDeserializer();

    @Test
    void putRecordRoundTripsThroughSingleObjectEncoding() {
        ChangeEvent put = ChangeEvent.newBuilder()
                .setType(ChangeType.PUT)
                .setValue(ByteBuffer.wrap("v".getBytes(StandardCharsets.UTF_8)))
                .setRevision(7).setCreateRevision(3).setVersion(2).build();
        byte[] bytes = DkvCodec.CHANGE_EVENT.encode(put);

        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(deserializer.deserialize("t", new RecordHeaders(), bytes)).isEqualTo(put);
    }

    @Test
    void tombstoneWithHeadersBecomesDeleteEvent() {
        RecordHeaders headers = new RecordHeaders();
        ChangeHeaders.put(headers, ChangeHeaders.TYPE, "DELETE");
        ChangeHeaders.put(headers, ChangeHeaders.REVISION, 12);

        ChangeEvent event = deserializer.deserialize("t", headers, (byte[]) null);

        assertThat(event.getType()).isEqualTo(ChangeType.DELETE);
        assertThat(event.getRevision()).isEqualTo(12);
        assertThat(event.getValue()).isNull();
        assertThat(deserializer.deserialize("t", null)).isNull();
    }

    @Test
    void recordsWrittenWithTheFirstChangeEventSchemaStillDecode() throws Exception {
        org.apache.avro.Schema v1 = DkvCodec.history("ChangeEvent-1.avsc");
        org.apache.avro.generic.GenericRecord old = new org.apache.avro.generic.GenericData.Record(v1);
        old.put("type", new org.apache.avro.generic.GenericData.EnumSymbol(v1.getField("type").schema(), "PUT"));
        old.put("value", ByteBuffer.wrap(new byte[] {1}));
        old.put("revision", 4L);
        old.put("createRevision", 4L);
        old.put("version", 1L);
        old.put("lease", 0L);
        byte[] bytes = new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                org.apache.avro.generic.GenericData.get(), v1).encode(old).array();

        ChangeEvent event = deserializer.deserialize("t", bytes);

        assertThat(event.getRevision()).isEqualTo(4);
        assertThat(event.getPrevValue()).isNull();
    }

    @Test
    void foreignBytesAreASerializationError() {
        assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {1, 2, 3}))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void otherRecordTypesAreNotMistakenForChangeEvents() {
        StoreMeta meta = StoreMeta.newBuilder().setRevision(1).setKeyCount(0).setCreatedAtMs(0).build();
        assertThatThrownBy(() -> DkvCodec.CHANGE_EVENT.decode(DkvCodec.STORE_META.encode(meta)))
                .isInstanceOf(InvalidRecordException.class);
    }
}
