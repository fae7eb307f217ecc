package io.dkv.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class CommandCodecTest {

    @Test
    void commandsWrittenWithTheFirstSchemaStillDecodeAndDoNotAskForAnEarlyCommit() throws Exception {
        Command command = DkvCodec.COMMAND.decode(oldSyncCommand("Command-1.avsc", "r-1", old -> { }));

        assertThat(command.getRequestId()).isEqualTo("r-1");
        assertThat(command.getStore()).isEqualTo("orders");
        assertThat(command.getType()).isEqualTo(CommandType.SYNC);
        assertThat(command.getCommitNow()).isFalse();
    }

    @Test
    void commandsWrittenWithTheSecondSchemaKeepTheirCommitMarkAndAreLookedUp() throws Exception {
        Command command = DkvCodec.COMMAND.decode(oldSyncCommand("Command-2.avsc", "r-3", old -> old.put("commitNow", true)));

        assertThat(command.getRequestId()).isEqualTo("r-3");
        assertThat(command.getCommitNow()).isTrue();
        assertThat(command.getNewRequestId()).as("an old command's id may be a client's: look it up").isFalse();
    }

    @Test
    void commandsWrittenWithTheThirdSchemaKeepTheirMarkWithoutAnAnsweredRevision() throws Exception {
        Command command = DkvCodec.COMMAND.decode(oldSyncCommand("Command-3.avsc", "r-4", old -> {
            old.put("commitNow", true);
            old.put("newRequestId", true);
        }));

        assertThat(command.getCommitNow()).isTrue();
        assertThat(command.getNewRequestId()).isTrue();
        assertThat(command.getAnsweredRevision()).as("unknown: the mark counts as the latest batch's").isEqualTo(-1);
    }

    @Test
    void answeredRevisionRoundTrips() {
        Command command = Command.newBuilder().setRequestId("r-5").setStore("orders").setType(CommandType.SYNC)
                .setCommitNow(true).setAnsweredRevision(41).build();

        assertThat(DkvCodec.COMMAND.decode(DkvCodec.COMMAND.encode(command)).getAnsweredRevision()).isEqualTo(41);
    }

    @Test
    void commitNowRoundTrips() {
        Command command = Command.newBuilder().setRequestId("r-2").setStore("orders").setType(CommandType.SYNC)
                .setCommitNow(true).build();

        assertThat(DkvCodec.COMMAND.decode(DkvCodec.COMMAND.encode(command)).getCommitNow()).isTrue();
    }

    @Test
    void commandsWrittenBeforeLeasesExistedHaveNoLease() throws Exception {
        Command command = DkvCodec.COMMAND.decode(oldSyncCommand("Command-5.avsc", "r-6", old -> {
            old.put("commitNow", false);
            old.put("newRequestId", false);
            old.put("answeredRevision", 3L);
        }));

        assertThat(command.getAnsweredRevision()).isEqualTo(3);
        assertThat(command.getLease()).isNull();
    }

    @Test
    void aLeaseRequestRoundTrips() {
        Command command = Command.newBuilder().setRequestId("r-7").setStore("orders").setType(CommandType.LEASE_GRANT)
                .setLease(LeaseRequest.newBuilder().setId(42).setTtlMs(10_000).build()).build();

        Command decoded = DkvCodec.COMMAND.decode(DkvCodec.COMMAND.encode(command));

        assertThat(decoded.getType()).isEqualTo(CommandType.LEASE_GRANT);
        assertThat(decoded.getLease().getId()).isEqualTo(42);
        assertThat(decoded.getLease().getTtlMs()).isEqualTo(10_000);
    }

    /** A SYNC command of store "orders" written with a bundled older schema. */
    private static byte[] oldSyncCommand(String schemaFile, String requestId, Consumer<GenericRecord> more) throws Exception {
        Schema schema = DkvCodec.history(schemaFile);
        GenericRecord old = new GenericData.Record(schema);
        old.put("requestId", requestId);
        old.put("store", "orders");
        old.put("type", new GenericData.EnumSymbol(schema.getField("type").schema(), "SYNC"));
        old.put("txn", null);
        old.put("issuedAtMs", 7L);
        more.accept(old);
        return new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(old).array();
    }
}
