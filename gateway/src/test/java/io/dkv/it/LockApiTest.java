package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Locks end to end: real broker, Streams, RocksDB, HTTP server and client; expiry on the real wall clock. */
class LockApiTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TTL = "{\"ttlMs\": 10000}";

    private static DkvServer server;
    private static DkvHttp http;

    @BeforeAll
    static void start() {
        DkvConfig config = TestDkv.config();
        config.leaseMinTtlMs = 500;
        config.leaseMaxTtlMs = 60_000;
        config.maxLockWaitMs = 30_000;
        server = TestDkv.start(config);
        http = new DkvHttp(server.port());
        assertThat(http.put("/v1/stores/k", "").status()).isEqualTo(201);
        assertThat(http.put("/v1/stores/other", "").status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void onlyTheCurrentHandleWritesALockedKey() {
        JsonObject lock = acquire("k", "job", TTL);
        String handle = lock.getString("handle");
        assertThat(lock.getLong("fencingToken")).isPositive();
        assertThat(lock.getLong("expiresAt")).isGreaterThan(System.currentTimeMillis());
        JsonObject other = acquire("k", "job-2", TTL);
        JsonObject shown = http.get("/v1/stores/k/kv/_locks/job?view=json").json();
        assertThat(shown.getLong("modRevision")).as("the lock key's revision is the token").isEqualTo(lock.getLong("fencingToken"));
        assertThat(shown.encode()).doesNotContain(handle);

        assertThat(http.put("/v1/stores/k/kv/job", "v").status()).as("no handle").isEqualTo(423);
        assertThat(http.put("/v1/stores/k/kv/job", "v").code()).isEqualTo("LOCKED");
        assertThat(http.put("/v1/stores/k/kv/job", "v").json().getLong("fencingToken")).isEqualTo(lock.getLong("fencingToken"));
        assertThat(http.put("/v1/stores/k/kv/job", "v", "DKV-Lock", other.getString("handle")).status()).as("another key's").isEqualTo(423);
        assertThat(http.delete("/v1/stores/k/kv/job").status()).isEqualTo(423);
        assertThat(txn("{\"then\":[{\"op\":\"put\",\"key\":\"free\",\"value\":\"1\"},{\"op\":\"put\",\"key\":\"job\",\"value\":\"t\"}]}").status())
                .as("the whole transaction").isEqualTo(423);
        assertThat(http.get("/v1/stores/k/kv/free").code()).isEqualTo("KEY_NOT_FOUND");
        assertThat(http.get("/v1/stores/k/kv/job").code()).as("refusals changed nothing").isEqualTo("KEY_NOT_FOUND");

        assertThat(http.put("/v1/stores/k/kv/job", "v1", "DKV-Lock", handle).status()).as("a key created under its lock").isEqualTo(201);
        assertThat(txn("{\"then\":[{\"op\":\"put\",\"key\":\"job\",\"value\":\"v2\",\"lock\":\"" + handle + "\"}]}").status()).isEqualTo(200);
        assertThat(http.get("/v1/stores/k/kv/job", "DKV-Lock", handle).text()).isEqualTo("v2");
        assertThat(http.get("/v1/stores/k/kv/job").text()).as("reads need no handle").isEqualTo("v2");

        assertThat(http.delete("/v1/stores/k/locks/job", "DKV-Lock", other.getString("handle")).status()).isEqualTo(423);
        assertThat(http.delete("/v1/stores/k/locks/job", "DKV-Lock", handle).json().getBoolean("released")).isTrue();
        assertThat(http.put("/v1/stores/k/kv/job", "late", "DKV-Lock", handle).status()).as("a released handle").isEqualTo(423);
        assertThat(http.get("/v1/stores/k/kv/job", "DKV-Lock", handle).status()).isEqualTo(423);
        assertThat(http.delete("/v1/stores/k/locks/job", "DKV-Lock", handle).status()).isEqualTo(423);
        assertThat(http.put("/v1/stores/k/kv/job", "free").status()).isEqualTo(200);
        assertThat(acquire("k", "job", TTL).getLong("fencingToken")).isGreaterThan(lock.getLong("fencingToken"));
        assertThat(http.put("/v1/stores/k/kv/job", "late", "DKV-Lock", handle).status()).as("dead for ever").isEqualTo(423);
    }

    @Test
    void aHeldLockIsRefusedWith409AndTheHoldersExpiry() {
        JsonObject lock = acquire("k", "held", TTL);

        DkvHttp.Response refused = http.post("/v1/stores/k/locks/held", TTL);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.code()).isEqualTo("LOCKED");
        assertThat(refused.json().getLong("expiresAt")).isEqualTo(lock.getLong("expiresAt"));
        assertThat(refused.text()).doesNotContain(lock.getString("handle"));
        JsonObject described = http.get("/v1/stores/k/locks/held").json();
        assertThat(described.getBoolean("locked")).isTrue();
        assertThat(described.getLong("fencingToken")).isEqualTo(lock.getLong("fencingToken"));
        assertThat(described.encode()).doesNotContain(lock.getString("handle"));
    }

    @Test
    void waitersAreServedFirstComeFirstServed() throws Exception {
        JsonObject first = acquire("k", "fifo", TTL);
        CompletableFuture<DkvHttp.Response> second = CompletableFuture.supplyAsync(() -> http.post("/v1/stores/k/locks/fifo",
                "{\"ttlMs\": 10000, \"waitMs\": 20000}"));
        awaitWaiters("fifo", 1);
        CompletableFuture<DkvHttp.Response> third = CompletableFuture.supplyAsync(() -> http.post("/v1/stores/k/locks/fifo",
                "{\"ttlMs\": 10000, \"waitMs\": 20000}"));
        awaitWaiters("fifo", 2);

        release("fifo", first);
        JsonObject secondLock = second.get(20, java.util.concurrent.TimeUnit.SECONDS).json();
        assertThat(secondLock.getLong("fencingToken")).isGreaterThan(first.getLong("fencingToken"));
        assertThat(third).as("the third waits for the second").isNotDone();
        assertThat(http.get("/v1/stores/k/locks/fifo").json().getInteger("waiters")).isEqualTo(1);

        release("fifo", secondLock);
        JsonObject thirdLock = third.get(20, java.util.concurrent.TimeUnit.SECONDS).json();
        assertThat(thirdLock.getLong("fencingToken")).isGreaterThan(secondLock.getLong("fencingToken"));
        release("fifo", thirdLock);
    }

    @Test
    void aWaiterWhoseWaitEndsGets409AndLeavesTheQueue() {
        JsonObject holder = acquire("k", "slow", TTL);
        long started = System.nanoTime();

        DkvHttp.Response gaveUp = http.post("/v1/stores/k/locks/slow", "{\"ttlMs\": 10000, \"waitMs\": 400}");

        assertThat(gaveUp.status()).isEqualTo(409);
        assertThat(gaveUp.code()).isEqualTo("LOCKED");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        awaitWaiters("slow", 0);
        release("slow", holder);
        assertThat(http.get("/v1/stores/k/locks/slow").json().getBoolean("locked")).as("not granted to the one who left").isFalse();
    }

    @Test
    void aWaiterThatDisconnectsLeavesTheQueue() throws Exception {
        JsonObject holder = acquire("k", "gone", TTL);
        String body = "{\"ttlMs\": 10000, \"waitMs\": 20000}";
        try (Socket socket = new Socket("localhost", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/stores/k/locks/gone HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitWaiters("gone", 1);
        }

        awaitWaiters("gone", 0);
        release("gone", holder);
        assertThat(http.get("/v1/stores/k/locks/gone").json().getBoolean("locked")).isFalse();
    }

    @Test
    void aLockOnALeaseEndsWhenTheLeaseIsRevoked() {
        String lease = http.post("/v1/stores/k/leases", "{\"ttlMs\": 10000}").json().getString("id");
        JsonObject a = acquire("k", "leased-a", "{\"lease\": \"" + lease + "\"}");
        JsonObject b = acquire("k", "leased-b", "{\"lease\": \"" + lease + "\"}");
        assertThat(a.getString("lease")).isEqualTo(lease);
        assertThat(http.get("/v1/stores/k/leases/" + lease + "?keys=true").json().getLong("keyCount")).isEqualTo(2);

        assertThat(http.delete("/v1/stores/k/leases/" + lease).status()).isEqualTo(200);

        assertThat(http.get("/v1/stores/k/locks/leased-a").json().getBoolean("locked")).isFalse();
        assertThat(http.put("/v1/stores/k/kv/leased-b", "v", "DKV-Lock", b.getString("handle")).status()).isEqualTo(423);
        assertThat(http.put("/v1/stores/k/kv/leased-b", "v").status()).isEqualTo(201);
    }

    @Test
    void aLockThatIsNotRefreshedExpiresAndWatchersSeeIt() throws Exception {
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/k/watch?prefix=_locks/short")) {
            JsonObject lock = acquire("k", "short", "{\"ttlMs\": 500}");
            SseClient.Message granted = watch.nextChange(WAIT);
            assertThat(granted.event()).isEqualTo("put");
            assertThat(granted.revision()).isEqualTo(lock.getLong("fencingToken"));

            SseClient.Message expired = watch.nextChange(WAIT);

            assertThat(expired.event()).isEqualTo("delete");
            assertThat(expired.data().getString("cause")).isEqualTo("lease-expired");
            assertThat(http.post("/v1/stores/k/locks/short/refresh", "", "DKV-Lock", lock.getString("handle")).status()).isEqualTo(423);
            assertThat(http.put("/v1/stores/k/kv/short", "late", "DKV-Lock", lock.getString("handle")).status()).isEqualTo(423);
        }
    }

    @Test
    void refreshesKeepALockPastManyTtls() throws Exception {
        JsonObject lock = acquire("k", "kept", "{\"ttlMs\": 2000}");
        long until = System.nanoTime() + Duration.ofMillis(5_000).toNanos();
        while (System.nanoTime() < until) {
            DkvHttp.Response refreshed = http.post("/v1/stores/k/locks/kept/refresh", "", "DKV-Lock", lock.getString("handle"));
            assertThat(refreshed.status()).isEqualTo(200);
            assertThat(refreshed.json().getLong("fencingToken")).isEqualTo(lock.getLong("fencingToken"));
            Thread.sleep(250);
        }
        assertThat(http.put("/v1/stores/k/kv/kept", "v", "DKV-Lock", lock.getString("handle")).status()).isEqualTo(201);
        release("kept", lock);
    }

    @Test
    void badInputGetsAStableCodeAndChangesNothing() {
        assertThat(http.post("/v1/stores/k/locks/bad", "{\"ttlMs\": -1}").code()).isEqualTo("TTL_OUT_OF_RANGE");
        assertThat(http.post("/v1/stores/k/locks/bad", "{\"ttlMs\": 60001}").code()).isEqualTo("TTL_OUT_OF_RANGE");
        assertThat(http.post("/v1/stores/k/locks/bad", "{\"ttlMs\": 1000, \"waitMs\": -1}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/v1/stores/k/locks/bad", "{\"ttlMs\": 1000, \"waitMs\": 30001}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/v1/stores/k/locks/bad", "{\"ttlMs\": 10").code()).isEqualTo("INVALID_JSON");
        assertThat(http.post("/v1/stores/k/locks/bad", "{\"ttl\": 1000}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/v1/stores/nope/locks/bad", TTL).code()).isEqualTo("STORE_NOT_FOUND");
        assertThat(http.post("/v1/stores/k/locks/", TTL).code()).isEqualTo("INVALID_KEY");
        assertThat(http.post("/v1/stores/k/locks/" + "x".repeat(2000), TTL).code()).isEqualTo("KEY_TOO_LARGE");
        assertThat(http.post("/v1/stores/k/locks/_locks/x", TTL).code()).isEqualTo("RESERVED_KEY");
        assertThat(http.put("/v1/stores/k/kv/_locks/bad", "v").code()).isEqualTo("RESERVED_KEY");
        String otherLease = http.post("/v1/stores/other/leases", "{\"ttlMs\": 10000}").json().getString("id");
        assertThat(http.post("/v1/stores/k/locks/bad", "{\"lease\": \"" + otherLease + "\"}").code())
                .as("a lease of another store").isEqualTo("LEASE_NOT_FOUND");
        assertThat(http.post("/v1/stores/k/locks/bad", "{\"lease\": \"x\"}").code()).isEqualTo("INVALID_LEASE");
        assertThat(http.put("/v1/stores/k/kv/bad", "v", "DKV-Lock", "garbage").code()).isEqualTo("INVALID_HANDLE");
        assertThat(http.delete("/v1/stores/k/locks/bad", "DKV-Lock", "1.zz").code()).isEqualTo("INVALID_HANDLE");
        assertThat(http.delete("/v1/stores/k/locks/bad").code()).isEqualTo("INVALID_HANDLE");
        assertThat(txn("{\"then\":[{\"op\":\"put\",\"key\":\"bad\",\"value\":\"1\",\"lock\":\"nope\"}]}").code()).isEqualTo("INVALID_HANDLE");

        assertThat(http.get("/v1/stores/k/locks/bad").json().getBoolean("locked")).isFalse();
        assertThat(http.get("/v1/stores/k/kv/bad").code()).isEqualTo("KEY_NOT_FOUND");
        assertThat(http.get("/v1/stores/k/kv?prefix=_locks/bad").json().getJsonArray("items")).isEmpty();
    }

    private static JsonObject acquire(String store, String key, String body) {
        DkvHttp.Response response = http.post("/v1/stores/" + store + "/locks/" + key, body);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static void release(String key, JsonObject lock) {
        assertThat(http.delete("/v1/stores/k/locks/" + key, "DKV-Lock", lock.getString("handle")).status()).isEqualTo(200);
    }

    private static DkvHttp.Response txn(String body) {
        return http.post("/v1/stores/k/txn", body);
    }

    private static void awaitWaiters(String key, int waiters) {
        await().atMost(WAIT).until(() -> http.get("/v1/stores/k/locks/" + key).json().getInteger("waiters") == waiters);
    }
}
