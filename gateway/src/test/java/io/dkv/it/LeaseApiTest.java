package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Leases end to end: real broker, Streams, RocksDB, HTTP server and client; expiry on the real wall clock. */
class LeaseApiTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long TTL_MS = 1_000;
    /** Leases a test keeps alive: refreshed every REFRESH_EVERY_MS, they survive a stall of over a second on a loaded machine. */
    private static final long KEEPALIVE_TTL_MS = 2_000;
    private static final long REFRESH_EVERY_MS = 250;

    private static DkvServer server;
    private static DkvHttp http;

    @BeforeAll
    static void start() {
        server = TestDkv.start(config(TestDkv.config()));
        http = new DkvHttp(server.port());
        assertThat(http.put("/v1/stores/l", "").status()).isEqualTo(201);
        assertThat(http.put("/v1/stores/other", "").status()).isEqualTo(201);
    }

    private static DkvConfig config(DkvConfig config) {
        config.leaseMinTtlMs = 500;
        config.leaseMaxTtlMs = 120_000;
        return config;
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void expiryDeletesTheAttachedKeysAndWatchersSeeTheCause() throws Exception {
        String lease = grant("l", TTL_MS);
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/l/watch?prefix=nodes:")) {
            assertThat(http.put("/v1/stores/l/kv/nodes:a", "A", "DKV-Lease", lease).json().getString("lease")).isEqualTo(lease);
            assertThat(http.put("/v1/stores/l/kv/nodes:b", "B", "DKV-Lease", lease).status()).isEqualTo(201);
            assertThat(http.get("/v1/stores/l/kv/nodes:a").header("DKV-Lease")).isEqualTo(lease);
            JsonObject described = http.get("/v1/stores/l/leases/" + lease + "?keys=true").json();
            assertThat(described.getLong("keyCount")).isEqualTo(2);
            assertThat(described.getJsonArray("keys")).extracting(k -> ((JsonObject) k).getString("key")).containsExactly("nodes:a", "nodes:b");
            assertThat(described.getLong("remainingMs")).isBetween(1L, TTL_MS);
            assertThat(watch.nextChange(WAIT).event()).isEqualTo("put");
            assertThat(watch.nextChange(WAIT).event()).isEqualTo("put");

            SseClient.Message first = watch.nextChange(WAIT);
            SseClient.Message second = watch.nextChange(WAIT);

            for (SseClient.Message departed : List.of(first, second)) {
                assertThat(departed.event()).isEqualTo("delete");
                assertThat(departed.data().getString("cause")).isEqualTo("lease-expired");
                assertThat(departed.data().getString("lease")).isEqualTo(lease);
            }
            assertThat(List.of(first.key(), second.key())).containsExactly("nodes:a", "nodes:b");
            assertThat(first.revision()).as("one revision for the whole lease").isEqualTo(second.revision());
        }
        assertThat(http.get("/v1/stores/l/kv/nodes:a").code()).isEqualTo("KEY_NOT_FOUND");
        assertThat(http.post("/v1/stores/l/leases/" + lease + "/refresh", "").code())
                .as("an expired lease cannot be refreshed").isEqualTo("LEASE_NOT_FOUND");
        assertThat(http.get("/v1/stores/l/leases/" + lease).code()).isEqualTo("LEASE_NOT_FOUND");
    }

    @Test
    void presenceSeesNodesArriveAndLeaveByCrashOrCleanStop() throws Exception {
        http.put("/v1/stores/presence", "");
        String early = join("early", 60_000);
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/presence/watch?prefix=nodes:&snapshot=true")) {
            List<SseClient.Message> snapshot = watch.until("snapshot-end", WAIT);
            assertThat(snapshot).extracting(SseClient.Message::key).containsExactly("nodes:early", null);

            join("crashing", TTL_MS);
            String stopping = join("stopping", 60_000);
            assertThat(List.of(watch.nextChange(WAIT), watch.nextChange(WAIT))).extracting(SseClient.Message::event, SseClient.Message::key)
                    .containsExactly(tuple("put", "nodes:crashing"), tuple("put", "nodes:stopping"));

            http.delete("/v1/stores/presence/leases/" + stopping);
            SseClient.Message stopped = watch.nextChange(WAIT);
            assertThat(stopped.event()).isEqualTo("delete");
            assertThat(stopped.key()).isEqualTo("nodes:stopping");
            assertThat(stopped.data().getString("cause")).isEqualTo("lease-revoked");

            // "early" keeps refreshing; "crashing" never does: its departure follows, by expiry.
            long until = System.nanoTime() + Duration.ofMillis(3 * TTL_MS).toNanos();
            SseClient.Message crashed = null;
            while (crashed == null) {
                assertThat(http.post("/v1/stores/presence/leases/" + early + "/refresh", "").status()).isEqualTo(200);
                SseClient.Message message = watch.poll(Duration.ofMillis(TTL_MS / 4));
                if (message != null && !message.event().equals("progress")) {
                    crashed = message;
                }
                assertThat(System.nanoTime()).as("the crashed node left within three TTLs").isLessThan(until);
            }
            assertThat(crashed.event()).isEqualTo("delete");
            assertThat(crashed.key()).isEqualTo("nodes:crashing");
            assertThat(crashed.data().getString("cause")).isEqualTo("lease-expired");
            assertThat(http.get("/v1/stores/presence/kv/nodes:early").status()).isEqualTo(200);
        }
    }

    /** A node joins: a lease, and its presence key on it. */
    private static String join(String node, long ttlMs) {
        String lease = grant("presence", ttlMs);
        assertThat(http.put("/v1/stores/presence/kv/nodes:" + node, node, "DKV-Lease", lease).status()).isEqualTo(201);
        return lease;
    }

    @Test
    void refreshesKeepAKeyAliveOverManyTtls() throws Exception {
        String lease = grant("l", KEEPALIVE_TTL_MS);
        http.put("/v1/stores/l/kv/alive", "1", "DKV-Lease", lease);
        long until = System.nanoTime() + Duration.ofMillis(5 * KEEPALIVE_TTL_MS).toNanos();
        while (System.nanoTime() < until) {
            DkvHttp.Response refreshed = http.post("/v1/stores/l/leases/" + lease + "/refresh", "");
            assertThat(refreshed.status()).as(refreshed.toString()).isEqualTo(200);
            assertThat(refreshed.json().getLong("ttlMs")).isEqualTo(KEEPALIVE_TTL_MS);
            assertThat(http.get("/v1/stores/l/kv/alive").status()).isEqualTo(200);
            Thread.sleep(REFRESH_EVERY_MS);
        }
        await().atMost(WAIT).until(() -> http.get("/v1/stores/l/kv/alive").status() == 404);
    }

    @Test
    void oneRequestRefreshesManyLeases() throws Exception {
        String first = grant("l", KEEPALIVE_TTL_MS);
        String second = grant("l", KEEPALIVE_TTL_MS);
        http.put("/v1/stores/l/kv/many:1", "1", "DKV-Lease", first);
        http.put("/v1/stores/l/kv/many:2", "2", "DKV-Lease", second);
        String body = new JsonObject().put("ids", new JsonArray().add(first).add(second).add("77")).encode();
        long until = System.nanoTime() + Duration.ofMillis(3 * KEEPALIVE_TTL_MS).toNanos();
        while (System.nanoTime() < until) {
            DkvHttp.Response refreshed = http.post("/v1/stores/l/leases/refresh", body);
            assertThat(refreshed.status()).as(refreshed.toString()).isEqualTo(200);
            assertThat(refreshed.json().getJsonArray("refreshed")).extracting(r -> ((JsonObject) r).getString("id")).containsExactly(first, second);
            assertThat(refreshed.json().getJsonArray("notFound")).containsExactly("77");
            Thread.sleep(REFRESH_EVERY_MS);
        }
        assertThat(http.get("/v1/stores/l/kv/many:1").status()).isEqualTo(200);
        assertThat(http.get("/v1/stores/l/kv/many:2").status()).isEqualTo(200);
        await().atMost(WAIT).until(() -> http.get("/v1/stores/l/kv/many:1").status() == 404 && http.get("/v1/stores/l/kv/many:2").status() == 404);

        assertThat(http.post("/v1/stores/l/leases/refresh", "{\"ids\": []}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/v1/stores/l/leases/refresh", "{\"ids\": \"1\"}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/v1/stores/l/leases/refresh", "{\"ids\": [\"x\"]}").code()).isEqualTo("INVALID_LEASE");
        assertThat(http.post("/v1/stores/l/leases/refresh", "{\"ids\": [1], \"all\": true}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/v1/stores/l/leases/refresh", "[1]").code()).isEqualTo("INVALID_JSON");
        assertThat(http.post("/v1/stores/missing/leases/refresh", "{\"ids\": [1]}").code()).isEqualTo("STORE_NOT_FOUND");
    }

    @Test
    void aKeepAliveSocketRefreshesLeasesFrameByFrame() throws Exception {
        String first = grant("l", KEEPALIVE_TTL_MS);
        String second = grant("l", KEEPALIVE_TTL_MS);
        http.put("/v1/stores/l/kv/socket:1", "1", "DKV-Lease", first);
        http.put("/v1/stores/l/kv/socket:2", "2", "DKV-Lease", second);
        Vertx vertx = Vertx.vertx();
        try {
            BlockingQueue<JsonObject> answers = new LinkedBlockingQueue<>();
            WebSocket ws = vertx.createWebSocketClient().connect(server.port(), "localhost", "/v1/stores/l/leases/keepalive")
                    .await(10, TimeUnit.SECONDS);
            ws.textMessageHandler(text -> answers.add(new JsonObject(text)));
            long until = System.nanoTime() + Duration.ofMillis(3 * KEEPALIVE_TTL_MS).toNanos();
            while (System.nanoTime() < until) {
                ws.writeTextMessage(new JsonObject().put("id", first).encode());
                ws.writeTextMessage(new JsonObject().put("id", second).encode());
                List<JsonObject> refreshed = List.of(answer(answers), answer(answers));
                assertThat(refreshed).extracting(a -> a.getString("type"), a -> a.getString("id"))
                        .containsExactly(tuple("refreshed", first), tuple("refreshed", second));
                assertThat(refreshed).allSatisfy(a -> assertThat(a.getLong("ttlMs")).isEqualTo(KEEPALIVE_TTL_MS));
                Thread.sleep(REFRESH_EVERY_MS);
            }
            assertThat(http.get("/v1/stores/l/kv/socket:1").status()).isEqualTo(200);
            assertThat(http.get("/v1/stores/l/kv/socket:2").status()).isEqualTo(200);

            ws.writeTextMessage("{\"id\": \"77\"}");
            JsonObject unknown = answer(answers);
            assertThat(List.of(unknown.getString("type"), unknown.getString("id"), unknown.getString("code")))
                    .containsExactly("error", "77", "LEASE_NOT_FOUND");
            ws.writeTextMessage("{\"id\": \"x\"}");
            assertThat(answer(answers).getString("code")).isEqualTo("INVALID_LEASE");
            ws.writeTextMessage("{\"lease\": 1}");
            assertThat(answer(answers).getString("code")).isEqualTo("INVALID_REQUEST");
            ws.writeTextMessage("{nope");
            assertThat(answer(answers).getString("code")).isEqualTo("INVALID_JSON");

            // Only the first is refreshed from now on: the second expires, and the socket says so.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(REFRESH_EVERY_MS)).until(() -> {
                ws.writeTextMessage(new JsonObject().put("id", first).encode());
                assertThat(answer(answers).getString("type")).isEqualTo("refreshed");
                return http.get("/v1/stores/l/kv/socket:2").status() == 404;
            });
            assertThat(http.get("/v1/stores/l/kv/socket:1").status()).isEqualTo(200);
            ws.writeTextMessage(new JsonObject().put("id", second).encode());
            assertThat(answer(answers).getString("code")).as("an expired lease cannot be refreshed").isEqualTo("LEASE_NOT_FOUND");
            ws.close().await(10, TimeUnit.SECONDS);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static JsonObject answer(BlockingQueue<JsonObject> answers) throws InterruptedException {
        JsonObject answer = answers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(answer).as("an answer on the keep-alive socket").isNotNull();
        return answer;
    }

    @Test
    void revokeDeletesTheKeysAtOnce() throws Exception {
        String lease = grant("l", 60_000);
        http.put("/v1/stores/l/kv/revoked:a", "1", "DKV-Lease", lease);
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/l/watch?key=revoked:a")) {
            DkvHttp.Response revoked = http.delete("/v1/stores/l/leases/" + lease);
            assertThat(revoked.status()).as(revoked.toString()).isEqualTo(200);
            long revision = revoked.json().getLong("revision");

            DkvHttp.Response gone = http.get("/v1/stores/l/kv/revoked:a", "DKV-Min-Revision", Long.toString(revision));
            assertThat(gone.code()).isEqualTo("KEY_NOT_FOUND");
            SseClient.Message deleted = watch.nextChange(WAIT);
            assertThat(deleted.event()).isEqualTo("delete");
            assertThat(deleted.revision()).isEqualTo(revision);
            assertThat(deleted.data().getString("cause")).isEqualTo("lease-revoked");
        }
        assertThat(http.delete("/v1/stores/l/leases/" + lease).code()).isEqualTo("LEASE_NOT_FOUND");
    }

    @Test
    void aPutWithoutTheHeaderDetachesAndTransactionsAttach() {
        String lease = grant("l", 60_000);
        http.put("/v1/stores/l/kv/detached", "1", "DKV-Lease", lease);
        http.put("/v1/stores/l/kv/detached", "2");
        DkvHttp.Response txn = http.post("/v1/stores/l/txn", new JsonObject().put("then", new JsonArray()
                .add(new JsonObject().put("op", "put").put("key", "by-txn").put("value", "x").put("lease", lease))).encode());
        assertThat(txn.status()).as(txn.toString()).isEqualTo(200);

        JsonObject described = http.get("/v1/stores/l/leases/" + lease + "?keys=true").json();
        assertThat(described.getJsonArray("keys")).extracting(k -> ((JsonObject) k).getString("key")).containsExactly("by-txn");
        assertThat(http.get("/v1/stores/l/kv/detached?view=json").json().containsKey("lease")).isFalse();
        http.delete("/v1/stores/l/leases/" + lease);
        assertThat(http.get("/v1/stores/l/kv/detached").status()).isEqualTo(200);
        assertThat(http.get("/v1/stores/l/kv/by-txn").status()).isEqualTo(404);
    }

    @Test
    void leasesAreListedPageByPageInIdOrder() {
        http.put("/v1/stores/listed", "");
        List<String> granted = new ArrayList<>();
        for (long id = 1; id <= 5; id++) {
            DkvHttp.Response response = http.post("/v1/stores/listed/leases", "{\"ttlMs\": 60000, \"id\": \"" + id + "\"}");
            assertThat(response.status()).as(response.toString()).isEqualTo(201);
            granted.add(response.json().getString("id"));
        }
        List<String> listed = new ArrayList<>();
        String cursor = "";
        boolean more = true;
        while (more) {
            JsonObject page = http.get("/v1/stores/listed/leases?limit=2&cursor=" + cursor).json();
            page.getJsonArray("leases").forEach(l -> listed.add(((JsonObject) l).getString("id")));
            more = page.getBoolean("more");
            cursor = page.getString("cursor", "");
        }
        assertThat(listed).containsExactlyElementsOf(granted);
    }

    @Test
    void badLeaseRequestsAreRefusedAndChangeNothing() {
        long revision = http.get("/v1/stores/l").json().getLong("revision");
        assertThat(http.post("/v1/stores/l/leases", "{\"ttlMs\": 10}").code()).isEqualTo("TTL_OUT_OF_RANGE");
        assertThat(http.post("/v1/stores/l/leases", "{\"ttlMs\": 999999999}").code()).isEqualTo("TTL_OUT_OF_RANGE");
        assertThat(http.post("/v1/stores/l/leases", "{\"ttlMs\": \"10s\"}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/v1/stores/l/leases", "{\"ttlMs\": 1000, \"owner\": 1}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/v1/stores/l/leases", "{\"ttlMs\": ").code()).isEqualTo("INVALID_JSON");
        assertThat(http.post("/v1/stores/l/leases", "").code()).isEqualTo("INVALID_JSON");
        assertThat(http.post("/v1/stores/l/leases", "{\"ttlMs\": 1000, \"id\": \"-3\"}").code()).isEqualTo("INVALID_LEASE");
        assertThat(http.post("/v1/stores/missing/leases", "{\"ttlMs\": 1000}").code()).isEqualTo("STORE_NOT_FOUND");
        assertThat(http.get("/v1/stores/l/leases/abc").code()).isEqualTo("INVALID_LEASE");
        assertThat(http.post("/v1/stores/l/leases/77/refresh", "").code()).isEqualTo("LEASE_NOT_FOUND");
        assertThat(http.post("/v1/stores/missing/leases/77/refresh", "").code()).isEqualTo("STORE_NOT_FOUND");
        assertThat(http.get("/v1/stores/l/leases?cursor=zz").code()).isEqualTo("INVALID_CURSOR");

        String id = "4242" + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1000);
        assertThat(http.post("/v1/stores/l/leases", "{\"ttlMs\": 60000, \"id\": \"" + id + "\"}").status()).isEqualTo(201);
        assertThat(http.post("/v1/stores/l/leases", "{\"ttlMs\": 60000, \"id\": \"" + id + "\"}").code()).isEqualTo("LEASE_EXISTS");
        assertThat(http.put("/v1/stores/l/kv/never", "x", "DKV-Lease", "99").code()).isEqualTo("LEASE_NOT_FOUND");
        assertThat(http.put("/v1/stores/l/kv/never", "x", "DKV-Lease", "nine").code()).isEqualTo("INVALID_LEASE");
        String otherStores = grant("other", 60_000);
        assertThat(http.put("/v1/stores/l/kv/never", "x", "DKV-Lease", otherStores).code())
                .as("a lease belongs to one store").isEqualTo("LEASE_NOT_FOUND");
        DkvHttp.Response txn = http.post("/v1/stores/l/txn", new JsonObject().put("then", new JsonArray()
                .add(new JsonObject().put("op", "put").put("key", "never2").put("value", "x"))
                .add(new JsonObject().put("op", "put").put("key", "never").put("value", "x").put("lease", "99"))).encode());
        assertThat(txn.code()).isEqualTo("LEASE_NOT_FOUND");

        assertThat(http.get("/v1/stores/l/kv/never").status()).isEqualTo(404);
        assertThat(http.get("/v1/stores/l/kv/never2").status()).isEqualTo(404);
        assertThat(http.get("/v1/stores/l").json().getLong("revision")).as("nothing was written").isEqualTo(revision);
    }

    @Test
    void leasesSurviveARestartAndAnExpiredOneStaysExpired() throws Exception {
        String prefix = "lr" + UUID.randomUUID().toString().substring(0, 6);
        Path dataDir = TestDkv.tempDir();
        String kept;
        String expired;
        try (DkvServer first = TestDkv.start(config(TestDkv.config(prefix, dataDir)))) {
            DkvHttp viaFirst = new DkvHttp(first.port());
            viaFirst.put("/v1/stores/r", "");
            kept = grantVia(viaFirst, "r", 60_000);
            expired = grantVia(viaFirst, "r", TTL_MS);
            viaFirst.put("/v1/stores/r/kv/kept", "1", "DKV-Lease", kept);
            viaFirst.put("/v1/stores/r/kv/expired", "1", "DKV-Lease", expired);
            await().atMost(WAIT).until(() -> viaFirst.get("/v1/stores/r/kv/expired").status() == 404);
        }
        try (DkvServer second = TestDkv.start(config(TestDkv.config(prefix, dataDir)))) {
            DkvHttp viaSecond = new DkvHttp(second.port());
            await().atMost(WAIT).until(() -> viaSecond.get("/ready").status() == 200);
            JsonObject lease = viaSecond.get("/v1/stores/r/leases/" + kept + "?keys=true").json();
            assertThat(lease.getLong("ttlMs")).isEqualTo(60_000);
            assertThat(lease.getLong("remainingMs")).as("a full TTL from the restart").isGreaterThan(50_000);
            assertThat(lease.getJsonArray("keys")).hasSize(1);
            assertThat(viaSecond.get("/v1/stores/r/kv/kept").text()).isEqualTo("1");
            assertThat(viaSecond.get("/v1/stores/r/leases/" + expired).code()).isEqualTo("LEASE_NOT_FOUND");
            assertThat(viaSecond.get("/v1/stores/r/kv/expired").status()).isEqualTo(404);
            try (SseClient history = SseClient.open(second.port(), "/v1/stores/r/watch?prefix=&fromRevision=1")) {
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    SseClient.Message message = history.nextChange(WAIT);
                    events.add(message.event() + " " + message.key());
                }
                long quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                SseClient.Message more;
                while ((more = history.poll(Duration.ofNanos(Math.max(0, quietUntil - System.nanoTime())))) != null) {
                    if (!more.event().equals("progress")) {
                        events.add(more.event() + " " + more.key());
                    }
                }
                assertThat(events).as("the expiry is in the log once, never repeated by the rebuild")
                        .containsExactly("put kept", "put expired", "delete expired");
            }
        }
    }

    private static String grant(String store, long ttlMs) {
        return grantVia(http, store, ttlMs);
    }

    private static String grantVia(DkvHttp via, String store, long ttlMs) {
        DkvHttp.Response granted = via.post("/v1/stores/" + store + "/leases", "{\"ttlMs\": " + ttlMs + "}");
        assertThat(granted.status()).as(granted.toString()).isEqualTo(201);
        assertThat(granted.json().getLong("ttlMs")).isEqualTo(ttlMs);
        return granted.json().getString("id");
    }
}
