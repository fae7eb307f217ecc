package io.dkv.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class CommandCodecTest {

    @Test
    void commandsWrittenWithTheFirstSchemaStillDecodeAndDoNotAskForAnEarlyCommit() throws Exception {
        Schema v1 = DkvCodec.history("Command-1.avsc");
        GenericRecord old = new GenericData.Record(v1);
        old.put("requestId", "r-1");
        old.put("store", "orders");
        old.put("type", new GenericData.EnumSymbol(v1.getField("type").schema(), "SYNC"));
        old.put("txn", null);
        old.put("issuedAtMs", 7L);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();

        Command command = DkvCodec.COMMAND.decode(bytes);

        assertThat(command.getRequestId()).isEqualTo("r-1");
        assertThat(command.getStore()).isEqualTo("orders");
        assertThat(command.getType()).isEqualTo(CommandType.SYNC);
        assertThat(command.getCommitNow()).isFalse();
    }

    @Test
    void commitNowRoundTrips() {
        Command command = Command.newBuilder().setRequestId("r-2").setStore("orders").setType(CommandType.SYNC)
                .setCommitNow(true).build();

        assertThat(DkvCodec.COMMAND.decode(DkvCodec.COMMAND.encode(command)).getCommitNow()).isTrue();
    }
}
