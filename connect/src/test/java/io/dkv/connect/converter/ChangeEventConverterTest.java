package io.dkv.connect.converter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.DkvCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class ChangeEventConverterTest {
    private static final byte[] PUT = DkvCodec.CHANGE_EVENT.encode(ChangeEvent.newBuilder().setType(ChangeType.PUT)
            .setValue(ByteBuffer.wrap(bytes("new"))).setPrevValue(ByteBuffer.wrap(bytes("old")))
            .setRevision(12).setCreateRevision(3).setVersion(4).setLease(77).build());

    @Test
    void aPutBecomesAStructWithTheEventAndItsHeaders() {
        Struct struct = (Struct) converter(Map.of()).toConnectData("t", headers("PUT", 12, null), PUT).value();
        assertThat(struct.schema()).isEqualTo(ChangeEventSchema.BYTES);
        assertThat(struct.getString("type")).isEqualTo("PUT");
        assertThat(struct.getBytes("value")).isEqualTo(bytes("new"));
        assertThat(struct.getBytes("prevValue")).isEqualTo(bytes("old"));
        assertThat(struct.getInt64("revision")).isEqualTo(12);
        assertThat(struct.getInt64("createRevision")).isEqualTo(3);
        assertThat(struct.getInt64("version")).isEqualTo(4);
        assertThat(struct.getInt64("lease")).isEqualTo(77);
        assertThat(struct.getString("cause")).isNull();
        assertThat(struct.getString("store")).isEqualTo("orders");
        assertThat(struct.getInt32("batchSize")).isEqualTo(2);
        assertThat(struct.getInt32("batchIndex")).isEqualTo(1);
    }

    @Test
    void aTombstoneBecomesADeleteRecordFromItsHeadersOrStaysNull() {
        RecordHeaders headers = headers("DELETE", 13, "lease-expired");
        ChangeHeaders.put(headers, ChangeHeaders.LEASE, 77);
        headers.add(ChangeHeaders.PREV_VALUE, bytes("gone"));
        Struct struct = (Struct) converter(Map.of("value.format", "string")).toConnectData("t", headers, null).value();
        assertThat(struct.getString("type")).isEqualTo("DELETE");
        assertThat(struct.getString("value")).isNull();
        assertThat(struct.getString("prevValue")).isEqualTo("gone");
        assertThat(struct.getInt64("revision")).isEqualTo(13);
        assertThat(struct.getInt64("lease")).isEqualTo(77);
        assertThat(struct.getString("cause")).isEqualTo("lease-expired");

        assertThat(converter(Map.of("tombstones", "null")).toConnectData("t", headers, null)).isEqualTo(SchemaAndValue.NULL);
        assertThat(converter(Map.of()).toConnectData("t", new RecordHeaders(), null))
                .as("a tombstone without DKV's headers is not a DKV delete").isEqualTo(SchemaAndValue.NULL);
    }

    @Test
    void stringValuesAreDecodedAsUtf8() {
        Struct struct = (Struct) converter(Map.of("value.format", "string")).toConnectData("t", headers("PUT", 12, null), PUT).value();
        assertThat(struct.schema()).isEqualTo(ChangeEventSchema.STRING);
        assertThat(struct.getString("value")).isEqualTo("new");
    }

    @Test
    void bytesThatAreNotAChangeEventAreADataException() {
        assertThatThrownBy(() -> converter(Map.of()).toConnectData("t", new RecordHeaders(), bytes("garbage")))
                .isInstanceOf(DataException.class).hasMessageContaining("not a DKV change event");
    }

    @Test
    void aStructConvertsBackToTheTopicFormat() {
        ChangeEventConverter converter = converter(Map.of());
        SchemaAndValue data = converter.toConnectData("t", headers("PUT", 12, null), PUT);
        assertThat(converter.fromConnectData("t", data.schema(), data.value())).isEqualTo(PUT);
        SchemaAndValue delete = converter.toConnectData("t", headers("DELETE", 13, null), null);
        assertThat(converter.fromConnectData("t", delete.schema(), delete.value())).isNull();
    }

    @Test
    void optionsAreValidatedAndKeysAreRefused() {
        assertThatThrownBy(() -> converter(Map.of("tombstones", "drop"))).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> new ChangeEventConverter().configure(Map.of(), true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ByteArrayConverter");
    }

    private static ChangeEventConverter converter(Map<String, ?> config) {
        ChangeEventConverter converter = new ChangeEventConverter();
        converter.configure(config, false);
        return converter;
    }

    private static RecordHeaders headers(String type, long revision, String cause) {
        RecordHeaders headers = new RecordHeaders();
        ChangeHeaders.put(headers, ChangeHeaders.TYPE, type);
        ChangeHeaders.put(headers, ChangeHeaders.REVISION, revision);
        ChangeHeaders.put(headers, ChangeHeaders.STORE, "orders");
        ChangeHeaders.put(headers, ChangeHeaders.BATCH_SIZE, 2);
        ChangeHeaders.put(headers, ChangeHeaders.BATCH_INDEX, 1);
        if (cause != null) {
            ChangeHeaders.put(headers, ChangeHeaders.CAUSE, cause);
        }
        return headers;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
