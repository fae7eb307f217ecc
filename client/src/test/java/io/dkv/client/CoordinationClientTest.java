package io.dkv.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dkv.client.election.Campaign;
import io.dkv.client.election.Leader;
import io.dkv.client.kv.Get;
import io.dkv.client.kv.KvStatus;
import io.dkv.client.kv.Put;
import io.dkv.client.kv.Txn;
import io.dkv.client.lease.KeepAlive;
import io.dkv.client.lease.Lease;
import io.dkv.client.lock.LockHandle;
import io.dkv.client.lock.LockInfo;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Leases with keep-alive, locks and elections through the client. */
class CoordinationClientTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private DkvClient client;

    @BeforeEach
    void connect() {
        client = TestStores.newStoreClient();
    }

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void aKeptAliveLeaseKeepsItsKeyOverManyTtlsAndItsEndIsReported() {
        List<String> lost = new CopyOnWriteArrayList<>();
        KeepAlive alive = client.leases().grantAndKeepAlive(Duration.ofSeconds(2), (id, reason) -> lost.add(id + ":" + reason));
        client.kv().put("presence:node-1", "up", Put.withLease(alive.leaseId()));
        Lease unattended = client.leases().grant(Duration.ofSeconds(2));
        client.kv().put("presence:node-2", "up", Put.withLease(unattended.id()));

        await().atMost(WAIT).until(() -> client.kv().get("presence:node-2").status() == KvStatus.NOT_FOUND);
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        await().atMost(WAIT).until(() -> {
            assertThat(client.kv().get("presence:node-1").status()).isEqualTo(KvStatus.OK);
            return System.nanoTime() - deadline > 0;
        });
        assertThat(client.leases().describe(alive.leaseId())).hasValueSatisfying(info -> {
            assertThat(info.keyCount()).isEqualTo(1);
            assertThat(info.remainingMs()).isPositive();
        });
        assertThat(lost).isEmpty();

        assertThat(client.leases().revoke(alive.leaseId())).isTrue();
        await().atMost(WAIT).until(() -> lost.equals(List.of(alive.leaseId() + ":not-found")));
        assertThat(alive.isLost()).isTrue();
        assertThat(client.leases().refresh(alive.leaseId())).isEmpty();
        assertThat(client.leases().revoke(alive.leaseId())).isFalse();
        assertThat(client.leases().describe(alive.leaseId())).isEmpty();
    }

    @Test
    void leasesCanBeGrantedWithTheCallersIdAndATtlOutOfRangeIsAFailure() {
        Lease lease = client.leases().grant(Duration.ofSeconds(5), 424242);
        assertThat(lease.id()).isEqualTo(424242);
        assertThat(client.leases().refresh(424242).orElseThrow()).isPositive();
        assertThatThrownBy(() -> client.leases().grant(Duration.ofSeconds(5), 424242))
                .isInstanceOf(DkvException.class).satisfies(e -> assertThat(((DkvException) e).code()).isEqualTo("LEASE_EXISTS"));
        assertThatThrownBy(() -> client.leases().grant(Duration.ofMillis(10)))
                .isInstanceOf(DkvException.Rejected.class).satisfies(e -> assertThat(((DkvException) e).code()).isEqualTo("TTL_OUT_OF_RANGE"));
    }

    @Test
    void aLockIsEnforcedOnWritesAndReleasedByTryWithResources() {
        String key = "order:123";
        long firstToken;
        try (LockHandle lock = client.locks().acquire(key, Duration.ofSeconds(10)).orElseThrow()) {
            firstToken = lock.fencingToken();
            assertThat(lock.handle()).isNotBlank();
            assertThat(lock.ownLease()).isTrue();
            assertThat(client.locks().acquire(key, Duration.ofSeconds(10))).isEmpty();
            assertThat(client.kv().put(key, "new-value").status()).isEqualTo(KvStatus.LOCKED);
            assertThat(client.kv().put(key, "processed", Put.withLock(lock.handle())).status()).isEqualTo(KvStatus.OK);
            assertThat(client.kv().get(key, Get.withLock(lock.handle())).value()).isEqualTo("processed");
            assertThat(client.kv().txn().thenPut(key, "txn").commit().status()).isEqualTo(KvStatus.LOCKED);
            assertThat(client.kv().txn().thenPut(key, "txn", Put.withLock(lock.handle())).commit().succeeded()).isTrue();
            LockInfo info = client.locks().describe(key);
            assertThat(info.locked()).isTrue();
            assertThat(info.fencingToken()).isEqualTo(firstToken);
            assertThat(lock.refresh()).isTrue();
        }
        assertThat(client.locks().describe(key).locked()).isFalse();
        assertThat(client.kv().put(key, "free").status()).isEqualTo(KvStatus.OK);
        LockHandle again = client.locks().acquire(key, Duration.ofSeconds(10)).orElseThrow();
        assertThat(again.fencingToken()).isGreaterThan(firstToken);
        assertThat(again.release()).isTrue();
        assertThat(again.release()).isFalse();
        assertThat(again.refresh()).isFalse();
    }

    @Test
    void waitersAreServedInOrderAndALockOnALeaseEndsWithIt() throws Exception {
        LockHandle holder = client.locks().acquire("q", Duration.ofSeconds(10)).orElseThrow();
        CompletableFuture<Optional<LockHandle>> first = client.locks().acquireAsync("q", Duration.ofSeconds(10), Duration.ofSeconds(15));
        await().atMost(WAIT).until(() -> client.locks().describe("q").waiters() == 1);
        CompletableFuture<Optional<LockHandle>> second = client.locks().acquireAsync("q", Duration.ofSeconds(10), Duration.ofSeconds(15));
        await().atMost(WAIT).until(() -> client.locks().describe("q").waiters() == 2);
        holder.release();
        LockHandle next = first.get().orElseThrow();
        assertThat(second).isNotDone();
        assertThat(next.fencingToken()).isGreaterThan(holder.fencingToken());
        next.release();
        assertThat(second.get().orElseThrow().fencingToken()).isGreaterThan(next.fencingToken());

        Lease lease = client.leases().grant(Duration.ofSeconds(30));
        LockHandle onLease = client.locks().acquire("leased", lease, Duration.ZERO).orElseThrow();
        assertThat(onLease.lease()).isEqualTo(lease.id());
        assertThat(onLease.ownLease()).isFalse();
        client.leases().revoke(lease.id());
        assertThat(client.locks().describe("leased").locked()).isFalse();
        assertThat(client.kv().put("leased", "x", Put.withLock(onLease.handle())).status()).isEqualTo(KvStatus.LOCKED);
    }

    @Test
    void aKeptAliveLockOutlivesItsTtl() {
        LockHandle lock = client.locks().acquire("long-job", Duration.ofSeconds(2)).orElseThrow();
        List<String> lost = new CopyOnWriteArrayList<>();
        lock.keepAlive((id, reason) -> lost.add(reason));
        long deadline = System.nanoTime() + Duration.ofSeconds(7).toNanos();
        await().atMost(WAIT).until(() -> {
            assertThat(client.locks().describe("long-job").fencingToken()).isEqualTo(lock.fencingToken());
            return System.nanoTime() - deadline > 0;
        });
        assertThat(client.kv().put("long-job", "done", Put.withLock(lock.handle())).status()).isEqualTo(KvStatus.OK);
        assertThat(lock.release()).isTrue();
        assertThat(lost).isEmpty();
    }

    @Test
    void electionsElectObserveProclaimAndHandOver() {
        Lease first = client.leases().grant(Duration.ofSeconds(30));
        Lease second = client.leases().grant(Duration.ofSeconds(30));
        List<Optional<Leader>> observed = new CopyOnWriteArrayList<>();
        client.elections().observe("scheduler", observed::add);
        await().atMost(WAIT).until(() -> observed.equals(List.of(Optional.empty())));

        Campaign leading = client.elections().campaign("scheduler", first, "node-1", Duration.ZERO);
        assertThat(leading.leader()).isTrue();
        Campaign waiting = client.elections().campaign("scheduler", second, "node-2", Duration.ZERO);
        assertThat(waiting.leader()).isFalse();
        assertThat(waiting.position()).isEqualTo(1);
        assertThat(client.elections().leader("scheduler")).hasValueSatisfying(l -> {
            assertThat(l.value()).isEqualTo("node-1");
            assertThat(l.token()).isEqualTo(leading.token());
        });
        assertThat(client.elections().proclaim("scheduler", second, waiting.token(), "usurper")).isFalse();
        assertThat(client.elections().proclaim("scheduler", first, leading.token(), "node-1 v2")).isTrue();

        // A leader guards its writes with its token: refused once its leadership is gone.
        Txn<String> guarded = client.kv().txn().ifCreateRevision(leading.key(), Txn.Cmp.EQUAL, leading.token()).thenPut("schedule", "run-1");
        assertThat(guarded.commit().succeeded()).isTrue();

        CompletableFuture<Campaign> takeover = client.elections().campaignAsync("scheduler", second, "node-2", Duration.ofSeconds(15));
        assertThat(client.elections().resign("scheduler", first)).isTrue();
        Campaign took = takeover.join();
        assertThat(took.leader()).isTrue();
        assertThat(took.token()).isGreaterThan(leading.token());
        assertThat(client.kv().txn().ifCreateRevision(leading.key(), Txn.Cmp.EQUAL, leading.token()).thenPut("schedule", "run-2")
                .commit().succeeded()).isFalse();
        assertThat(client.elections().resign("scheduler", first)).isFalse();

        await().atMost(WAIT).until(() -> observed.size() >= 4);
        assertThat(observed).extracting(o -> o.map(Leader::value).orElse("-")).containsExactly("-", "node-1", "node-1 v2", "node-2");
    }
}
