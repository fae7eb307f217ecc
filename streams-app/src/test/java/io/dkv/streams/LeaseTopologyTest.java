package io.dkv.streams;

import static io.dkv.streams.DkvTopologyTest.buffer;
import static io.dkv.streams.DkvTopologyTest.command;
import static io.dkv.streams.DkvTopologyTest.op;
import static io.dkv.streams.DkvTopologyTest.put;
import static io.dkv.streams.DkvTopologyTest.txn;
import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.kafka.DkvTopics;
import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeEventDeserializer;
import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.LeaseRequest;
import io.dkv.schemas.Op;
import io.dkv.schemas.OpType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.streams.lease.LeaseLimits;
import io.dkv.streams.lease.LeaseRows;
import io.dkv.streams.lease.LiveLeases;
import io.dkv.streams.lease.LiveLeases.LeaseId;
import io.dkv.streams.lease.LiveLeases.Refresh;
import io.dkv.streams.lock.LockLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Leases in the topology, on the test driver's mock wall clock: grant, attach, refresh, expiry, revoke. */
class LeaseTopologyTest {
    private static final long START_MS = 1_000_000;
    private static final long TTL_MS = 10_000;
    private static final int PARTITION = 0;

    private final DkvTopics topics = new DkvTopics("dkv", DkvTopics.TopicSettings.defaults());
    private final LiveLeases live = new LiveLeases();
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<byte[], byte[]> replies;
    private TestOutputTopic<String, ChangeEvent> changes;
    private long now = START_MS;

    private void start(LeaseLimits limits) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dkv-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(DkvTopology.build(topics, Duration.ofMinutes(5), Duration.ofMillis(5),
                DkvTopologyTest::noChangeTopics, live, limits, LockLimits.DEFAULTS), props, Instant.ofEpochMilli(START_MS));
        commands = driver.createInputTopic(topics.commands(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        replies = driver.createOutputTopic(DkvTopology.repliesTopic("dkv-test"), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        changes = driver.createOutputTopic(topics.changes("s1"), Serdes.String().deserializer(), new ChangeEventDeserializer());
        assertThat(send(command("s1", CommandType.CREATE_STORE, null)).getStatus()).isEqualTo(Status.OK);
    }

    private void start() {
        start(LeaseLimits.DEFAULTS);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aGrantChangesNoRevisionAndADuplicateIdIsRefused() {
        start();
        send(txn("s1", List.of(), List.of(put("a", "1")), List.of()));

        Reply granted = send(grant(7, TTL_MS));
        Reply again = send(grant(7, 5_000));

        assertThat(granted.getStatus()).isEqualTo(Status.OK);
        assertThat(granted.getRevision()).as("no key changed").isEqualTo(1);
        assertThat(granted.getLease().getId()).isEqualTo(7);
        assertThat(granted.getLease().getTtlMs()).isEqualTo(TTL_MS);
        assertThat(again.getStatus()).isEqualTo(Status.CONFLICT);
        assertThat(again.getCode()).isEqualTo("LEASE_EXISTS");
        assertThat(live.remainingMs(PARTITION, new LeaseId("s1", 7), now)).hasValue(TTL_MS);
    }

    @Test
    void aPutNamingAnUnknownLeaseChangesNothing() {
        start();
        send(txn("s1", List.of(), List.of(put("a", "1")), List.of()));

        Reply refused = send(txn("s1", List.of(), List.of(put("b", "2"), leased("a", "2", 99)), List.of()));

        assertThat(refused.getStatus()).isEqualTo(Status.NOT_FOUND);
        assertThat(refused.getCode()).isEqualTo("LEASE_NOT_FOUND");
        assertThat(refused.getRevision()).isEqualTo(1);
        assertThat(changes.readValuesToList()).as("only the first put").hasSize(1);
        assertThat(send(getOf("b")).getResults().get(0).getCurrent()).as("the whole transaction is refused").isNull();
    }

    @Test
    void expiryDeletesEveryAttachedKeyAtOneRevisionWithItsCause() {
        start();
        send(grant(7, TTL_MS));
        send(txn("s1", List.of(), List.of(leased("nodes:a", "A", 7), leased("nodes:b", "B", 7), put("other", "x")), List.of()));
        changes.readRecordsToList();

        advance(TTL_MS - 1);
        assertThat(changes.readRecordsToList()).as("not before its TTL").isEmpty();
        advance(LeaseLimits.DEFAULTS.expiryCheckMs());

        List<TestRecord<String, ChangeEvent>> expired = changes.readRecordsToList();
        assertThat(expired).extracting(TestRecord::key).containsExactly("nodes:a", "nodes:b");
        assertThat(expired).allSatisfy(r -> {
            assertThat(r.value().getType()).isEqualTo(ChangeType.DELETE);
            assertThat(r.value().getRevision()).isEqualTo(2);
            assertThat(ChangeHeaders.get(r.headers(), ChangeHeaders.CAUSE)).isEqualTo(ChangeHeaders.CAUSE_LEASE_EXPIRED);
            assertThat(ChangeHeaders.get(r.headers(), ChangeHeaders.LEASE)).isEqualTo("7");
            assertThat(ChangeHeaders.get(r.headers(), ChangeHeaders.BATCH_SIZE)).isEqualTo("2");
        });
        Reply expiry = DkvCodec.PROCESSED_REQUEST.decode(replies.readValue()).getReply();
        assertThat(expiry.getRevision()).as("gateways learn the revision the expiry reached").isEqualTo(2);
        assertThat(send(getOf("other")).getResults().get(0).getCurrent()).as("a key without the lease stays").isNotNull();
        assertThat(live.refresh(PARTITION, new LeaseId("s1", 7), now)).isEqualTo(Refresh.NOT_FOUND);
        Reply late = send(txn("s1", List.of(), List.of(leased("nodes:a", "A", 7)), List.of()));
        assertThat(late.getCode()).as("the lease is gone").isEqualTo("LEASE_NOT_FOUND");
    }

    @Test
    void refreshesKeepALeaseAliveOverManyTtlsAndItExpiresOnceTheyStop() {
        start();
        send(grant(7, TTL_MS));
        send(txn("s1", List.of(), List.of(leased("nodes:a", "A", 7)), List.of()));
        changes.readRecordsToList();

        for (int i = 0; i < 12; i++) {
            advance(TTL_MS / 3);
            assertThat(live.refresh(PARTITION, new LeaseId("s1", 7), now)).isEqualTo(Refresh.REFRESHED);
        }
        assertThat(changes.readRecordsToList()).as("four TTLs later the key lives").isEmpty();

        advance(TTL_MS + LeaseLimits.DEFAULTS.expiryCheckMs());
        assertThat(changes.readRecordsToList()).extracting(TestRecord::key).containsExactly("nodes:a");
    }

    @Test
    void revokeDeletesTheKeysAtOnceAndASecondRevokeFindsNoLease() {
        start();
        send(grant(7, TTL_MS));
        send(txn("s1", List.of(), List.of(leased("a", "1", 7), leased("b", "2", 7)), List.of()));
        changes.readRecordsToList();

        Reply revoked = send(revoke(7));
        Reply again = send(revoke(7));

        assertThat(revoked.getStatus()).isEqualTo(Status.OK);
        assertThat(revoked.getRevision()).isEqualTo(2);
        List<TestRecord<String, ChangeEvent>> deleted = changes.readRecordsToList();
        assertThat(deleted).extracting(TestRecord::key).containsExactly("a", "b");
        assertThat(deleted).allSatisfy(r -> assertThat(ChangeHeaders.get(r.headers(), ChangeHeaders.CAUSE))
                .isEqualTo(ChangeHeaders.CAUSE_LEASE_REVOKED));
        assertThat(again.getCode()).isEqualTo("LEASE_NOT_FOUND");
        assertThat(again.getRevision()).isEqualTo(2);
        advance(2 * TTL_MS);
        assertThat(changes.readRecordsToList()).as("a revoked lease never expires").isEmpty();
    }

    @Test
    void aPutWithoutTheLeaseDetachesTheKeyAndADeleteDetachesIt() {
        start();
        send(grant(7, TTL_MS));
        send(txn("s1", List.of(), List.of(leased("kept", "1", 7), leased("gone", "1", 7)), List.of()));
        send(txn("s1", List.of(), List.of(put("kept", "2")), List.of()));
        send(txn("s1", List.of(), List.of(op(OpType.DELETE, "gone", null)), List.of()));
        changes.readRecordsToList();

        advance(TTL_MS + LeaseLimits.DEFAULTS.expiryCheckMs());

        assertThat(changes.readRecordsToList()).as("the lease holds no key any more").isEmpty();
        assertThat(send(getOf("kept")).getResults().get(0).getCurrent().getLease()).isZero();
    }

    @Test
    void aLeaseWithMoreKeysThanItsRowHoldsEndsThemAllAndLeavesNoRows() {
        start();
        send(grant(7, TTL_MS));
        int count = LeaseRows.INLINE_KEYS + 4;
        for (int i = count - 1; i >= 0; i--) {
            send(txn("s1", List.of(), List.of(leased(String.format("k%02d", i), "v", 7)), List.of()));
        }
        send(txn("s1", List.of(), List.of(put("k11", "unleased")), List.of()));
        send(txn("s1", List.of(), List.of(op(OpType.DELETE, "k00", null)), List.of()));
        changes.readRecordsToList();

        send(revoke(7));

        List<String> expected = new ArrayList<>();
        for (int i = 1; i < count - 1; i++) {
            expected.add(String.format("k%02d", i));
        }
        assertThat(changes.readRecordsToList()).as("the keys kept in the lease's row and in attachment rows, detached ones excepted")
                .extracting(TestRecord::key).containsExactlyElementsOf(expected);
        assertThat(leaseRows()).as("no row of the lease is left").isEmpty();
    }

    @Test
    void aLeaseWrittenBeforeKeysWereKeptInItsRowStillEndsItsKeys() throws Exception {
        start();
        send(grant(7, TTL_MS));
        send(txn("s1", List.of(), List.of(leased("a", "1", 7), leased("b", "2", 7)), List.of()));
        changes.readRecordsToList();
        KeyValueStore<Bytes, byte[]> rows = driver.getKeyValueStore(DkvTopology.LEASES_STORE);
        Schema v1 = new Schema.Parser().parse(getClass().getResourceAsStream("/io/dkv/schemas/history/Lease-1.avsc"));
        GenericRecord old = new GenericData.Record(v1);
        old.put("id", 7L);
        old.put("ttlMs", TTL_MS);
        old.put("grantedAtMs", START_MS);
        old.put("keyCount", 2L);
        rows.put(LeaseRows.leaseKey("s1", 7), new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array());
        rows.put(LeaseRows.attachmentKey("s1", 7, "a".getBytes(StandardCharsets.UTF_8)), LeaseRows.attachmentValue());
        rows.put(LeaseRows.attachmentKey("s1", 7, "b".getBytes(StandardCharsets.UTF_8)), LeaseRows.attachmentValue());

        send(revoke(7));

        assertThat(changes.readRecordsToList()).as("its keys are found in the attachment rows").extracting(TestRecord::key)
                .containsExactly("a", "b");
        assertThat(leaseRows()).isEmpty();
    }

    @Test
    void leasesPerStoreAndKeysPerLeaseAreBounded() {
        start(new LeaseLimits(2, 2, 100));
        send(grant(1, TTL_MS));
        send(grant(2, TTL_MS));
        Reply third = send(grant(3, TTL_MS));
        send(txn("s1", List.of(), List.of(leased("a", "1", 1), leased("b", "1", 1)), List.of()));
        Reply overfull = send(txn("s1", List.of(), List.of(leased("c", "1", 1)), List.of()));
        Reply rewrite = send(txn("s1", List.of(), List.of(leased("a", "2", 1)), List.of()));

        assertThat(third.getCode()).isEqualTo("TOO_MANY_LEASES");
        assertThat(overfull.getCode()).isEqualTo("TOO_MANY_KEYS_ON_LEASE");
        assertThat(overfull.getRevision()).isEqualTo(1);
        assertThat(rewrite.getStatus()).as("a key already on the lease does not count twice").isEqualTo(Status.OK);
        send(revoke(2));
        assertThat(send(grant(3, TTL_MS)).getStatus()).as("a revoke frees a place").isEqualTo(Status.OK);
    }

    @Test
    void deletingTheStoreEndsItsLeases() {
        start();
        send(grant(7, TTL_MS));
        send(command("s1", CommandType.DELETE_STORE, null));
        send(command("s1", CommandType.RELEASE_STORE_NAME, null));
        send(command("s1", CommandType.CREATE_STORE, null));

        assertThat(send(txn("s1", List.of(), List.of(leased("a", "1", 7)), List.of())).getCode()).isEqualTo("LEASE_NOT_FOUND");
        assertThat(live.count(PARTITION, "s1")).isZero();
    }

    /** Every row of store s1 in the leases state store. */
    private List<Bytes> leaseRows() {
        return StoreKeys.rowsOf(driver.<Bytes, byte[]>getKeyValueStore(DkvTopology.LEASES_STORE), "s1");
    }

    private void advance(long ms) {
        now += ms;
        driver.advanceWallClockTime(Duration.ofMillis(ms));
    }

    private Reply send(Command command) {
        commands.pipeInput(command.getStore(), DkvCodec.COMMAND.encode(command), now);
        List<byte[]> out = replies.readValuesToList();
        assertThat(out).hasSize(1);
        return DkvCodec.PROCESSED_REQUEST.decode(out.get(0)).getReply();
    }

    private static Command grant(long id, long ttlMs) {
        return Command.newBuilder(command("s1", CommandType.LEASE_GRANT, null))
                .setLease(LeaseRequest.newBuilder().setId(id).setTtlMs(ttlMs).build()).build();
    }

    private static Command revoke(long id) {
        return Command.newBuilder(command("s1", CommandType.LEASE_REVOKE, null))
                .setLease(LeaseRequest.newBuilder().setId(id).build()).build();
    }

    private static Command getOf(String key) {
        return txn("s1", List.of(), List.of(op(OpType.GET, key, null)), List.of());
    }

    private static Op leased(String key, String value, long lease) {
        return Op.newBuilder(put(key, value)).setKey(buffer(key)).setLease(lease).build();
    }
}
