package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Watch over SSE: scope, snapshot then changes, resume with Last-Event-ID, progress, transactions. */
class WatchTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static DkvServer server;
    private static DkvHttp http;

    @BeforeAll
    static void start() {
        DkvConfig config = TestDkv.config();
        config.watchProgressMs = 300;
        server = TestDkv.start(config);
        http = new DkvHttp(server.port());
        http.put("/v1/stores/w", "");
        http.put("/v1/stores/other", "");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void keyWatchSeesOnlyItsKeyAndPrefixWatchOnlyItsPrefixInItsStore() throws Exception {
        try (SseClient key = SseClient.open(server.port(), "/v1/stores/w/watch?key=order:1001");
                SseClient prefix = SseClient.open(server.port(), "/v1/stores/w/watch?prefix=jobs:")) {
            assertThat(key.next(WAIT).event()).isEqualTo("progress");
            assertThat(prefix.next(WAIT).event()).isEqualTo("progress");
            http.put("/v1/stores/w/kv/order:10010", "no");
            http.put("/v1/stores/w/kv/jobs2:1", "no");
            http.put("/v1/stores/other/kv/jobs:7", "no");
            http.put("/v1/stores/other/kv/order:1001", "no");
            long orderRevision = http.put("/v1/stores/w/kv/order:1001", "yes").json().getLong("revision");
            long jobRevision = http.put("/v1/stores/w/kv/jobs:7", "yes").json().getLong("revision");

            SseClient.Message order = key.nextChange(WAIT);
            assertThat(order.event()).isEqualTo("put");
            assertThat(order.key()).isEqualTo("order:1001");
            assertThat(order.data().getString("value")).isEqualTo("yes");
            assertThat(order.id()).isEqualTo(Long.toString(orderRevision));
            SseClient.Message job = prefix.nextChange(WAIT);
            assertThat(job.key()).isEqualTo("jobs:7");
            assertThat(job.revision()).isEqualTo(jobRevision);

            http.delete("/v1/stores/w/kv/jobs:7");
            SseClient.Message deleted = prefix.nextChange(WAIT);
            assertThat(deleted.event()).isEqualTo("delete");
            assertThat(deleted.key()).isEqualTo("jobs:7");
            assertThat(key.drain()).allMatch(m -> m.event().equals("progress"));
        }
    }

    @Test
    void snapshotThenEveryLaterChangeInOrder() throws Exception {
        http.put("/v1/stores/w/kv/snap:a", "1");
        http.put("/v1/stores/w/kv/snap:b", "2");
        http.put("/v1/stores/w/kv/snap:c", "3");
        http.delete("/v1/stores/w/kv/snap:c");
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/w/watch?prefix=snap:&snapshot=true")) {
            assertThat(watch.status()).isEqualTo(200);
            List<SseClient.Message> snapshot = watch.until("snapshot-end", WAIT);
            assertThat(snapshot.subList(0, snapshot.size() - 1)).extracting(SseClient.Message::key).containsExactly("snap:a", "snap:b");
            long revision = snapshot.get(snapshot.size() - 1).data().getLong("revision");

            long put = http.put("/v1/stores/w/kv/snap:d", "4").json().getLong("revision");
            assertThat(put).isGreaterThan(revision);
            SseClient.Message event = watch.nextChange(WAIT);
            assertThat(event.key()).isEqualTo("snap:d");
            assertThat(event.revision()).isEqualTo(put);
        }
    }

    @Test
    void transactionChangesArriveTogetherWithOneRevision() throws Exception {
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/w/watch?prefix=tx:")) {
            watch.next(WAIT);
            long revision = http.post("/v1/stores/w/txn", "{\"then\":[{\"op\":\"put\",\"key\":\"tx:1\",\"value\":\"a\"},"
                    + "{\"op\":\"put\",\"key\":\"tx:2\",\"value\":\"b\"},{\"op\":\"put\",\"key\":\"other\",\"value\":\"c\"}]}")
                    .json().getLong("revision");
            SseClient.Message first = watch.nextChange(WAIT);
            SseClient.Message second = watch.nextChange(WAIT);
            assertThat(List.of(first.key(), second.key())).containsExactly("tx:1", "tx:2");
            assertThat(List.of(first.revision(), second.revision())).containsOnly(revision);
            assertThat(first.id()).isNull();
            assertThat(second.id()).isEqualTo(Long.toString(revision));
        }
    }

    @Test
    void resumeWithLastEventIdDeliversExactlyWhatWasMissed() throws Exception {
        long seen;
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/w/watch?prefix=res:")) {
            watch.next(WAIT);
            http.put("/v1/stores/w/kv/res:1", "a");
            seen = watch.nextChange(WAIT).revision();
        }
        long missed1 = http.put("/v1/stores/w/kv/res:2", "b").json().getLong("revision");
        http.put("/v1/stores/w/kv/elsewhere", "x");
        long missed2 = http.delete("/v1/stores/w/kv/res:1").json().getLong("revision");
        try (SseClient resumed = SseClient.open(server.port(), "/v1/stores/w/watch?prefix=res:", "Last-Event-ID", Long.toString(seen))) {
            SseClient.Message first = resumed.nextChange(WAIT);
            SseClient.Message second = resumed.nextChange(WAIT);
            assertThat(first.revision()).isEqualTo(missed1);
            assertThat(first.key()).isEqualTo("res:2");
            assertThat(second.revision()).isEqualTo(missed2);
            assertThat(second.event()).isEqualTo("delete");
            long live = http.put("/v1/stores/w/kv/res:3", "c").json().getLong("revision");
            assertThat(resumed.nextChange(WAIT).revision()).isEqualTo(live);
        }
        try (SseClient from = SseClient.open(server.port(), "/v1/stores/w/watch?prefix=res:&fromRevision=" + missed1)) {
            assertThat(from.nextChange(WAIT).revision()).isEqualTo(missed1);
        }
    }

    @Test
    void idleWatchGetsProgressWithTheCurrentRevision() throws Exception {
        long revision = http.put("/v1/stores/w/kv/idle-elsewhere", "x").json().getLong("revision");
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/w/watch?key=idle")) {
            SseClient.Message first = watch.next(WAIT);
            assertThat(first.event()).isEqualTo("progress");
            assertThat(first.revision()).isGreaterThanOrEqualTo(revision);
            long later = http.put("/v1/stores/w/kv/idle-elsewhere", "y").json().getLong("revision");
            SseClient.Message progress;
            do {
                progress = watch.next(WAIT);
                assertThat(progress.event()).isEqualTo("progress");
            } while (progress.revision() < later);
            assertThat(progress.revision()).isEqualTo(later);
        }
    }

    @Test
    void prevValueCarriesTheValueBeforeEachChangeWhenAskedFor() throws Exception {
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/w/watch?key=pv&prevValue=true");
                SseClient plain = SseClient.open(server.port(), "/v1/stores/w/watch?key=pv")) {
            watch.next(WAIT);
            plain.next(WAIT);
            http.put("/v1/stores/w/kv/pv", "one");
            http.put("/v1/stores/w/kv/pv", "two");
            http.delete("/v1/stores/w/kv/pv");
            SseClient.Message created = watch.nextChange(WAIT);
            SseClient.Message updated = watch.nextChange(WAIT);
            SseClient.Message deleted = watch.nextChange(WAIT);
            assertThat(created.data().containsKey("prevValue")).isFalse();
            assertThat(updated.data().getString("prevValue")).isEqualTo("one");
            assertThat(deleted.event()).isEqualTo("delete");
            assertThat(deleted.data().getString("prevValue")).isEqualTo("two");
            plain.nextChange(WAIT);
            assertThat(plain.nextChange(WAIT).data().containsKey("prevValue")).isFalse();
        }
    }

    @Test
    void deletingTheStoreEndsItsWatches() throws Exception {
        http.put("/v1/stores/doomed", "");
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/doomed/watch?prefix=")) {
            watch.next(WAIT);
            http.put("/v1/stores/doomed/kv/a", "1");
            assertThat(watch.nextChange(WAIT).key()).isEqualTo("a");
            assertThat(http.delete("/v1/stores/doomed").status()).isEqualTo(200);
            SseClient.Message cancelled = watch.nextChange(WAIT);
            assertThat(cancelled.event()).isEqualTo("cancelled");
            assertThat(cancelled.data().getString("reason")).isEqualTo("store-deleted");
        }
    }

    @Test
    void badWatchRequestsAreRejected() {
        assertThat(http.get("/v1/stores/w/watch").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.get("/v1/stores/w/watch?key=a&prefix=b").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.get("/v1/stores/w/watch?key=a&snapshot=true&fromRevision=3").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.get("/v1/stores/w/watch?key=a&fromRevision=x").code()).isEqualTo("INVALID_REVISION");
        assertThat(http.get("/v1/stores/nope/watch?key=a").code()).isEqualTo("STORE_NOT_FOUND");
    }
}
