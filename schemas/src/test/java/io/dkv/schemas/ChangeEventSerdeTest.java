package io.dkv.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class ChangeEventSerdeTest {
    private static final ChangeEvent PUT = ChangeEvent.newBuilder().setType(ChangeType.PUT)
            .setValue(ByteBuffer.wrap("v".getBytes(StandardCharsets.UTF_8))).setRevision(5).setCreateRevision(5)
            .setVersion(1).setLease(9).build();

    @Test
    void aPutRoundTripsAndADeleteIsATombstone() {
        Serde<ChangeEvent> serde = ChangeEventSerde.events();
        byte[] bytes = serde.serializer().serialize("t", PUT);
        assertThat(bytes).isEqualTo(DkvCodec.CHANGE_EVENT.encode(PUT));
        assertThat(serde.deserializer().deserialize("t", new RecordHeaders(), bytes)).isEqualTo(PUT);
        assertThat(serde.serializer().serialize("t", ChangeEvent.newBuilder(PUT).setType(ChangeType.DELETE).build())).isNull();
    }

    @Test
    void aTombstoneIsADeleteEventOrANullTableValue() {
        RecordHeaders headers = new RecordHeaders();
        ChangeHeaders.put(headers, ChangeHeaders.REVISION, 6);
        ChangeHeaders.put(headers, ChangeHeaders.LEASE, 9);
        ChangeEvent delete = ChangeEventSerde.events().deserializer().deserialize("t", headers, (byte[]) null);
        assertThat(delete.getType()).isEqualTo(ChangeType.DELETE);
        assertThat(delete.getRevision()).isEqualTo(6);
        assertThat(delete.getLease()).isEqualTo(9);
        assertThat(ChangeEventSerde.tableValues().deserializer().deserialize("t", headers, (byte[]) null)).isNull();
        assertThat(ChangeEventSerde.tableValues().deserializer().deserialize("t", headers, DkvCodec.CHANGE_EVENT.encode(PUT)))
                .isEqualTo(PUT);
    }
}
