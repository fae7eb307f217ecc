package io.dkv.streams;

import static io.dkv.streams.DkvTopologyTest.buffer;
import static io.dkv.streams.DkvTopologyTest.command;
import static io.dkv.streams.DkvTopologyTest.op;
import static io.dkv.streams.DkvTopologyTest.put;
import static io.dkv.streams.DkvTopologyTest.txn;
import static io.dkv.streams.DkvTopologyTest.utf8;
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
import io.dkv.schemas.LockHandle;
import io.dkv.schemas.LockRequest;
import io.dkv.schemas.LockState;
import io.dkv.schemas.Op;
import io.dkv.schemas.OpType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.streams.lease.LeaseLimits;
import io.dkv.streams.lease.LiveLeases;
import io.dkv.streams.lease.LiveLeases.LeaseId;
import io.dkv.streams.lease.LiveLeases.Refresh;
import io.dkv.streams.lock.LockLimits;
import io.dkv.streams.lock.internals.LockApplier;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Locks in the topology, on the test driver's mock wall clock: grants and fencing tokens, enforcement
 * on every write, expiry, FIFO waiters, locks bound to a lease.
 */
class LockTopologyTest {
    private static final long START_MS = 1_000_000;
    private static final long TTL_MS = 5_000;
    private static final int PARTITION = 0;

    private final DkvTopics topics = new DkvTopics("dkv", DkvTopics.TopicSettings.defaults());
    private final LiveLeases live = new LiveLeases();
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<byte[], byte[]> replies;
    private TestOutputTopic<String, ChangeEvent> changes;
    private long now = START_MS;
    private long nextLease = 100;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dkv-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(DkvTopology.build(topics, Duration.ofMinutes(5), Duration.ofMillis(5),
                DkvTopologyTest::noChangeTopics, live, LeaseLimits.DEFAULTS, new LockLimits(2)), props, Instant.ofEpochMilli(START_MS));
        commands = driver.createInputTopic(topics.commands(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        replies = driver.createOutputTopic(DkvTopology.repliesTopic("dkv-test"), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        changes = driver.createOutputTopic(topics.changes("s1"), Serdes.String().deserializer(), new ChangeEventDeserializer());
        assertThat(send(command("s1", CommandType.CREATE_STORE, null)).getStatus()).isEqualTo(Status.OK);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aGrantPutsTheLockKeyOnItsOwnLeaseAndItsRevisionIsTheFencingToken() {
        send(txn("s1", List.of(), List.of(put("other", "x")), List.of()));
        changes.readRecordsToList();

        Reply granted = send(acquire("job", TTL_MS, 0));

        assertThat(granted.getStatus()).isEqualTo(Status.OK);
        LockState lock = granted.getLock();
        assertThat(lock.getFencingToken()).isEqualTo(2).isEqualTo(granted.getRevision());
        assertThat(lock.getNonce()).as("the holder learns its handle").isNotZero();
        assertThat(lock.getOwnLease()).isTrue();
        assertThat(lock.getExpiresAtMs()).isEqualTo(now + TTL_MS);
        TestRecord<String, ChangeEvent> shown = changes.readRecord();
        assertThat(shown.key()).isEqualTo("_locks/job");
        assertThat(shown.value().getRevision()).isEqualTo(2);
        assertThat(shown.value().getLease()).isEqualTo(lock.getLease());
        assertThat(utf8(shown.value().getValue())).contains("\"fencingToken\":2").doesNotContain(Long.toString(lock.getNonce()));
        assertThat(live.remainingMs(PARTITION, new LeaseId("s1", lock.getLease()), now)).hasValue(TTL_MS);
    }

    @Test
    void aHeldLockIsRefusedWithTheHoldersExpiryButNotItsHandle() {
        LockState held = send(acquire("job", TTL_MS, 0)).getLock();

        Reply refused = send(acquire("job", TTL_MS, 0));

        assertThat(refused.getStatus()).isEqualTo(Status.CONFLICT);
        assertThat(refused.getCode()).isEqualTo("LOCKED");
        assertThat(refused.getLock().getExpiresAtMs()).isEqualTo(held.getExpiresAtMs());
        assertThat(refused.getLock().getFencingToken()).isEqualTo(held.getFencingToken());
        assertThat(refused.getLock().getNonce()).isZero();
        assertThat(refused.getRevision()).as("nothing changed").isEqualTo(held.getFencingToken());
    }

    @Test
    void writesOfALockedKeyNeedTheCurrentHandleAndARefusedTransactionChangesNothing() {
        LockState lock = send(acquire("job", TTL_MS, 0)).getLock();
        LockState other = send(acquire("other", TTL_MS, 0)).getLock();
        changes.readRecordsToList();

        assertThat(send(txn("s1", List.of(), List.of(put("job", "v")), List.of())).getCode()).as("no handle").isEqualTo("LOCKED");
        assertThat(send(txn("s1", List.of(), List.of(op(OpType.DELETE, "job", null)), List.of())).getCode()).isEqualTo("LOCKED");
        assertThat(send(txn("s1", List.of(), List.of(locked(put("job", "v"), other)), List.of())).getCode())
                .as("another key's handle").isEqualTo("LOCKED");
        assertThat(send(txn("s1", List.of(), List.of(locked(put("job", "v"), LockState.newBuilder(lock).setNonce(lock.getNonce() + 1).build())),
                List.of())).getCode()).as("a forged secret").isEqualTo("LOCKED");
        Reply mixed = send(txn("s1", List.of(), List.of(put("free", "1"), put("job", "v")), List.of()));
        assertThat(mixed.getCode()).as("one locked key fails the whole transaction").isEqualTo("LOCKED");
        assertThat(changes.readRecordsToList()).as("refusals change nothing").isEmpty();
        assertThat(send(getOf("free")).getResults().get(0).getCurrent()).isNull();

        Reply written = send(txn("s1", List.of(), List.of(put("free", "1"), locked(put("job", "v"), lock)), List.of()));
        assertThat(written.getStatus()).isEqualTo(Status.OK);
        assertThat(written.getSucceeded()).isTrue();
        assertThat(send(txn("s1", List.of(), List.of(locked(op(OpType.GET, "job", null), lock)), List.of())).getStatus())
                .as("a get may show the handle").isEqualTo(Status.OK);
        assertThat(send(txn("s1", List.of(), List.of(op(OpType.GET, "job", null)), List.of())).getStatus())
                .as("reads need no handle").isEqualTo(Status.OK);
        assertThat(send(txn("s1", List.of(), List.of(locked(op(OpType.GET, "unlocked", null), lock)), List.of())).getCode())
                .as("a handle shown for a key without that lock").isEqualTo("LOCKED");
    }

    @Test
    void clientsCannotWriteTheLockKeys() {
        send(acquire("job", TTL_MS, 0));

        Reply refused = send(txn("s1", List.of(), List.of(op(OpType.DELETE, "_locks/job", null)), List.of()));

        assertThat(refused.getCode()).isEqualTo("RESERVED_KEY");
        assertThat(send(getOf("_locks/job")).getResults().get(0).getCurrent()).isNotNull();
        assertThat(send(acquire("_locks/x", TTL_MS, 0)).getCode()).isEqualTo("RESERVED_KEY");
    }

    @Test
    void anExpiredHandleIsDeadForeverAndTheNextGrantHasAHigherToken() {
        LockState first = send(acquire("job", TTL_MS, 0)).getLock();
        changes.readRecordsToList();

        advance(TTL_MS + LeaseLimits.DEFAULTS.expiryCheckMs());

        TestRecord<String, ChangeEvent> expired = changes.readRecord();
        assertThat(expired.key()).isEqualTo("_locks/job");
        assertThat(expired.value().getType()).isEqualTo(ChangeType.DELETE);
        assertThat(ChangeHeaders.get(expired.headers(), ChangeHeaders.CAUSE)).isEqualTo(ChangeHeaders.CAUSE_LEASE_EXPIRED);
        replies.readValuesToList();
        assertThat(send(txn("s1", List.of(), List.of(locked(put("job", "late"), first)), List.of())).getCode())
                .as("the stalled holder's late write").isEqualTo("LOCKED");

        LockState second = send(acquire("job", TTL_MS, 0)).getLock();
        assertThat(second.getFencingToken()).isGreaterThan(first.getFencingToken());
        assertThat(send(txn("s1", List.of(), List.of(locked(put("job", "late"), first)), List.of())).getCode())
                .as("the old handle stays dead after a new grant").isEqualTo("LOCKED");
        assertThat(send(release("job", first)).getCode()).isEqualTo("LOCKED");
        assertThat(send(release("job", second)).getStatus()).isEqualTo(Status.OK);
        LockState third = send(acquire("job", TTL_MS, 0)).getLock();
        assertThat(third.getFencingToken()).isGreaterThan(second.getFencingToken());
    }

    @Test
    void aHolderPastItsDeadlineIsRefusedBeforeItsExpiryIsWritten() {
        Reply granted = send(acquire("job", TTL_MS, 0));
        // Move the holder's deadline into the past without the punctuator running: as if the write
        // arrived between the deadline and the next expiry check.
        live.adopt(PARTITION, java.util.Map.of(new LeaseId("s1", granted.getLock().getLease()), TTL_MS), now - TTL_MS);

        Reply late = send(txn("s1", List.of(), List.of(locked(put("job", "late"), granted.getLock())), List.of()));

        assertThat(late.getCode()).isEqualTo("LOCKED");
    }

    @Test
    void refreshesKeepTheLockAliveAcrossManyTtls() {
        LockState lock = send(acquire("job", TTL_MS, 0)).getLock();
        for (int i = 0; i < 5; i++) {
            advance(TTL_MS / 2);
            assertThat(live.refresh(PARTITION, new LeaseId("s1", lock.getLease()), now)).isEqualTo(Refresh.REFRESHED);
        }
        assertThat(send(txn("s1", List.of(), List.of(locked(put("job", "v"), lock)), List.of())).getStatus()).isEqualTo(Status.OK);
    }

    @Test
    void waitersAreGrantedInArrivalOrderEachAtItsOwnRevision() {
        LockState first = send(acquire("job", TTL_MS, 0)).getLock();
        Command b = acquire("job", TTL_MS, 60_000);
        Command c = acquire("job", TTL_MS, 60_000);
        Reply queuedB = send(b);
        assertThat(queuedB.getLock().getQueued()).isTrue();
        assertThat(queuedB.getLock().getWaiters()).isEqualTo(1);
        assertThat(send(c).getLock().getWaiters()).isEqualTo(2);
        assertThat(send(acquire("job", TTL_MS, 60_000)).getCode()).as("--max-waiters-per-lock 2").isEqualTo("TOO_MANY_WAITERS");

        List<Reply> released = sendAll(release("job", first));

        assertThat(released).hasSize(2);
        assertThat(released.get(0).getStatus()).isEqualTo(Status.OK);
        Reply grantB = released.get(1);
        assertThat(grantB.getRequestId()).isEqualTo(LockApplier.GRANT_REQUEST_PREFIX + b.getRequestId());
        assertThat(grantB.getLock().getFencingToken()).isEqualTo(released.get(0).getRevision() + 1);
        assertThat(grantB.getLock().getNonce()).isEqualTo(b.getLock().getNonce());

        List<Reply> releasedB = sendAll(release("job", grantB.getLock()));
        assertThat(releasedB).extracting(Reply::getRequestId)
                .containsExactly(releasedB.get(0).getRequestId(), LockApplier.GRANT_REQUEST_PREFIX + c.getRequestId());
        assertThat(releasedB.get(1).getLock().getFencingToken()).isGreaterThan(grantB.getLock().getFencingToken());
    }

    @Test
    void aWaiterThatGivesUpLeavesTheQueueAndOneWhoseWaitEndedIsSkipped() {
        LockState first = send(acquire("job", TTL_MS, 0)).getLock();
        Command gaveUp = acquire("job", TTL_MS, 60_000);
        Command shortWait = acquire("job", TTL_MS, 1_000);
        send(gaveUp);
        send(shortWait);
        assertThat(send(cancel("job", gaveUp)).getStatus()).isEqualTo(Status.OK);
        Command patient = acquire("job", TTL_MS, 60_000);
        send(patient);
        advance(2_000);

        List<Reply> released = sendAll(release("job", first));

        assertThat(released).extracting(Reply::getRequestId).last().isEqualTo(LockApplier.GRANT_REQUEST_PREFIX + patient.getRequestId());
        assertThat(released).hasSize(2);
    }

    @Test
    void aWaiterGrantedJustAsItGaveUpReleasesTheLockByItsRequestId() {
        LockState first = send(acquire("job", TTL_MS, 0)).getLock();
        Command waiter = acquire("job", TTL_MS, 60_000);
        send(waiter);
        Reply grant = sendAll(release("job", first)).get(1);
        changes.readRecordsToList();

        assertThat(send(cancel("job", waiter)).getStatus()).isEqualTo(Status.OK);

        TestRecord<String, ChangeEvent> released = changes.readRecord();
        assertThat(released.key()).isEqualTo("_locks/job");
        assertThat(ChangeHeaders.get(released.headers(), ChangeHeaders.CAUSE)).isEqualTo(ChangeHeaders.CAUSE_LOCK_RELEASED);
        assertThat(send(txn("s1", List.of(), List.of(locked(put("job", "v"), grant.getLock())), List.of())).getCode()).isEqualTo("LOCKED");
        assertThat(live.count(PARTITION, "s1")).as("its own lease went with it").isZero();
    }

    @Test
    void locksBoundToALeaseEndWithItAndTheirWaitersAreServed() {
        send(grantLease(7, TTL_MS));
        LockState a = send(acquire("a", 0, 0, 7)).getLock();
        LockState b = send(acquire("b", 0, 0, 7)).getLock();
        assertThat(a.getLease()).isEqualTo(7);
        assertThat(a.getOwnLease()).isFalse();
        Command waiter = acquire("a", TTL_MS, 60_000);
        send(waiter);
        changes.readRecordsToList();

        List<Reply> revoked = sendAll(Command.newBuilder(command("s1", CommandType.LEASE_REVOKE, null))
                .setLease(LeaseRequest.newBuilder().setId(7).build()).build());

        assertThat(revoked).hasSize(2);
        List<TestRecord<String, ChangeEvent>> records = changes.readRecordsToList();
        assertThat(records.subList(0, 2)).extracting(TestRecord::key).containsExactly("_locks/a", "_locks/b");
        assertThat(records.subList(0, 2)).allSatisfy(r ->
                assertThat(ChangeHeaders.get(r.headers(), ChangeHeaders.CAUSE)).isEqualTo(ChangeHeaders.CAUSE_LEASE_REVOKED));
        assertThat(records.get(2).key()).as("the waiter's grant").isEqualTo("_locks/a");
        assertThat(revoked.get(1).getRequestId()).isEqualTo(LockApplier.GRANT_REQUEST_PREFIX + waiter.getRequestId());
        assertThat(send(txn("s1", List.of(), List.of(locked(put("b", "v"), b)), List.of())).getCode()).isEqualTo("LOCKED");
        assertThat(send(txn("s1", List.of(), List.of(put("b", "v")), List.of())).getStatus()).as("b is free").isEqualTo(Status.OK);
        assertThat(send(acquire("c", 0, 0, 7)).getCode()).isEqualTo("LEASE_NOT_FOUND");
    }

    @Test
    void releasingALockOnASharedLeaseKeepsTheLease() {
        send(grantLease(7, TTL_MS));
        LockState a = send(acquire("a", 0, 0, 7)).getLock();

        assertThat(send(release("a", a)).getStatus()).isEqualTo(Status.OK);

        assertThat(live.count(PARTITION, "s1")).isEqualTo(1);
        assertThat(send(acquire("a", 0, 0, 7)).getStatus()).isEqualTo(Status.OK);
    }

    @Test
    void lockingAKeyThatDoesNotExistLetsTheHolderCreateIt() {
        LockState lock = send(acquire("new", TTL_MS, 0)).getLock();

        assertThat(send(txn("s1", List.of(), List.of(locked(put("new", "1"), lock)), List.of())).getResults().get(0).getPrevious()).isNull();
        assertThat(send(getOf("new")).getResults().get(0).getCurrent()).isNotNull();
    }

    @Test
    void deletingTheStoreEndsItsLocks() {
        send(acquire("job", TTL_MS, 0));
        send(acquire("job", TTL_MS, 60_000));

        send(command("s1", CommandType.DELETE_STORE, null));
        send(command("s1", CommandType.RELEASE_STORE_NAME, null));
        send(command("s1", CommandType.CREATE_STORE, null));

        assertThat(send(acquire("job", TTL_MS, 0)).getStatus()).isEqualTo(Status.OK);
        assertThat(send(txn("s1", List.of(), List.of(put("other", "x")), List.of())).getStatus()).isEqualTo(Status.OK);
    }

    private void advance(long ms) {
        now += ms;
        driver.advanceWallClockTime(Duration.ofMillis(ms));
    }

    private Reply send(Command command) {
        List<Reply> out = sendAll(command);
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private List<Reply> sendAll(Command command) {
        commands.pipeInput(command.getStore(), DkvCodec.COMMAND.encode(command), now);
        return replies.readValuesToList().stream().map(v -> DkvCodec.PROCESSED_REQUEST.decode(v).getReply()).toList();
    }

    private Command acquire(String key, long ttlMs, long waitMs) {
        return acquire(key, ttlMs, waitMs, nextLease++);
    }

    private static Command acquire(String key, long ttlMs, long waitMs, long lease) {
        return Command.newBuilder(command("s1", CommandType.LOCK_ACQUIRE, null)).setLock(LockRequest.newBuilder().setKey(buffer(key))
                .setTtlMs(ttlMs).setLease(lease).setWaitMs(waitMs).setNonce(UUID.randomUUID().getMostSignificantBits() | 1).build()).build();
    }

    private static Command release(String key, LockState lock) {
        return Command.newBuilder(command("s1", CommandType.LOCK_RELEASE, null)).setLock(LockRequest.newBuilder().setKey(buffer(key))
                .setHandle(handle(lock)).build()).build();
    }

    private static Command cancel(String key, Command acquire) {
        return Command.newBuilder(command("s1", CommandType.LOCK_RELEASE, null)).setLock(LockRequest.newBuilder().setKey(buffer(key))
                .setAcquireRequestId(acquire.getRequestId()).build()).build();
    }

    private static Command grantLease(long id, long ttlMs) {
        return Command.newBuilder(command("s1", CommandType.LEASE_GRANT, null))
                .setLease(LeaseRequest.newBuilder().setId(id).setTtlMs(ttlMs).build()).build();
    }

    private static LockHandle handle(LockState lock) {
        return LockHandle.newBuilder().setFencingToken(lock.getFencingToken()).setNonce(lock.getNonce()).build();
    }

    private static Op locked(Op op, LockState lock) {
        return Op.newBuilder(op).setLock(handle(lock)).build();
    }

    private static Command getOf(String key) {
        return txn("s1", List.of(), List.of(op(OpType.GET, key, null)), List.of());
    }
}
