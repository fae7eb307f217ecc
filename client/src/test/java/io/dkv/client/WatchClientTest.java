package io.dkv.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dkv.client.kv.Entry;
import io.dkv.client.kv.Put;
import io.dkv.client.lease.Lease;
import io.dkv.client.watch.WatchEvent;
import io.dkv.client.watch.WatchOptions;
import io.dkv.client.watch.WatchStart;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Watches through the client: snapshot then changes, history, prefixes, causes, stop. */
class WatchClientTest {
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
    void aSnapshotComesFirstThenEveryChangeInOrder() {
        client.kv().put("order:1001", "new");
        client.kv().put("order:1002", "new");
        List<WatchEvent<String>> events = new CopyOnWriteArrayList<>();
        WatchStart<String> start = client.watch().watchPrefix("order:", WatchOptions.snapshot().withPrevValue(), events::add);
        assertThat(start.snapshot()).extracting(Entry::key).containsExactly("order:1001", "order:1002");
        assertThat(start.revision()).isEqualTo(client.kv().get("order:1002").modRevision());

        long paid = client.kv().put("order:1001", "paid").revision();
        client.kv().put("other", "ignored");
        long gone = client.kv().delete("order:1002").revision();
        await().atMost(WAIT).until(() -> events.size() == 2);
        assertThat(events.get(0)).satisfies(e -> {
            assertThat(e.type()).isEqualTo(WatchEvent.Type.PUT);
            assertThat(e.key()).isEqualTo("order:1001");
            assertThat(e.value()).isEqualTo("paid");
            assertThat(e.prevValue()).isEqualTo("new");
            assertThat(e.revision()).isEqualTo(paid);
            assertThat(e.version()).isEqualTo(2);
        });
        assertThat(events.get(1)).satisfies(e -> {
            assertThat(e.type()).isEqualTo(WatchEvent.Type.DELETE);
            assertThat(e.value()).isNull();
            assertThat(e.prevValue()).isEqualTo("new");
            assertThat(e.revision()).isEqualTo(gone);
        });
        await().atMost(WAIT).until(() -> start.subscription().lastRevision() >= gone);
        start.subscription().stop();
    }

    @Test
    void aWatchFromARevisionReplaysHistoryAndAKeyWatchSeesOnlyItsKey() {
        long first = client.kv().put("job", "1").revision();
        client.kv().put("jobx", "other key");
        client.kv().put("job", "2");
        List<WatchEvent<String>> events = new CopyOnWriteArrayList<>();
        WatchStart<String> start = client.watch().watchKey("job", WatchOptions.fromRevision(first), events::add);
        assertThat(start.snapshot()).isEmpty();
        long third = client.kv().put("job", "3").revision();
        await().atMost(WAIT).until(() -> events.size() == 3);
        assertThat(events).extracting(WatchEvent::value).containsExactly("1", "2", "3");
        assertThat(events.get(2).revision()).isEqualTo(third);
        assertThat(events).extracting(WatchEvent::key).containsOnly("job");
    }

    @Test
    void aWatchFromNowStartsAtTheCurrentRevisionAndSeesTransactionsTogether() {
        long before = client.kv().put("t:old", "x").revision();
        List<WatchEvent<String>> events = new CopyOnWriteArrayList<>();
        WatchStart<String> start = client.watch().watchPrefix("t:", WatchOptions.fromNow(), events::add);
        assertThat(start.revision()).isGreaterThanOrEqualTo(before);
        long txn = client.kv().txn().thenPut("t:a", "1").thenPut("t:b", "2").thenDelete("t:old").commit().revision();
        await().atMost(WAIT).until(() -> events.size() == 3);
        assertThat(events).extracting(WatchEvent::revision).containsOnly(txn);
        assertThat(events).extracting(WatchEvent::key).containsExactly("t:a", "t:b", "t:old");
    }

    @Test
    void aLeasesEndShowsAsDeletesWithTheirCause() {
        Lease lease = client.leases().grant(Duration.ofSeconds(30));
        client.kv().put("node:a", "up", Put.withLease(lease.id()));
        List<WatchEvent<String>> events = new CopyOnWriteArrayList<>();
        client.watch().watchPrefix("node:", WatchOptions.fromNow(), events::add);
        client.leases().revoke(lease.id());
        await().atMost(WAIT).until(() -> events.size() == 1);
        assertThat(events.get(0).type()).isEqualTo(WatchEvent.Type.DELETE);
        assertThat(events.get(0).cause()).isEqualTo("lease-revoked");
        assertThat(events.get(0).lease()).isEqualTo(lease.id());
    }

    @Test
    void aStoppedWatchDeliversNothingMoreAndOthersOnTheSameSocketGoOn() {
        List<WatchEvent<String>> stopped = new CopyOnWriteArrayList<>();
        List<WatchEvent<String>> running = new CopyOnWriteArrayList<>();
        WatchStart<String> one = client.watch().watchPrefix("s:", WatchOptions.fromNow(), stopped::add);
        client.watch().watchPrefix("s:", WatchOptions.fromNow(), running::add);
        client.kv().put("s:1", "a");
        await().atMost(WAIT).until(() -> stopped.size() == 1 && running.size() == 1);
        one.subscription().stop();
        long last = client.kv().put("s:2", "b").revision();
        await().atMost(WAIT).until(() -> running.size() == 2);
        assertThat(running.get(1).revision()).isEqualTo(last);
        assertThat(stopped).hasSize(1);
    }

    @Test
    void aWatchDkvRefusesFailsItsStart() {
        assertThatThrownBy(() -> client.watch().watchKey("k".repeat(5000), WatchOptions.fromNow(), e -> { }))
                .isInstanceOf(DkvException.Rejected.class)
                .satisfies(e -> assertThat(((DkvException) e).code()).isEqualTo("KEY_TOO_LARGE"));
    }
}
