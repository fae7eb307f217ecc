package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.gateway.auth.Action;
import io.dkv.server.DkvServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A principal granted {@code watch} on "a:" sees no event outside it, over SSE and WebSocket,
 * including through a snapshot relayed over TLS from the instance that owns the store: wider scopes
 * are refused, and the writes under "b:" between its own never reach it. A caller known by its client
 * certificate is served through either instance too (the one it reached acts for it). An access file
 * that takes the grant away ends the open watches and election observations it no longer grants.
 */
class WatchGrantTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String[] ADMIN = SecuredDkv.bearer("admin");
    private static final String[] WATCHER = SecuredDkv.bearer("watcher");

    @Test
    void sseWatchesOutsideTheGrantAreRefusedAndInsideItSeeOnlyItsKeys() throws Exception {
        DkvHttp https = SecuredDkv.https(false);
        String store = SecuredDkv.WATCH_STORE + "-sse";
        assertThat(https.put("/v1/stores/" + store, "", ADMIN).status()).isIn(200, 201);
        for (String scope : List.of("prefix=", "prefix=b:", "key=b:1", "prefix=a")) {
            assertThat(https.openStream("/v1/stores/" + store + "/watch?" + scope, WATCHER).status()).as(scope).isEqualTo(403);
        }
        https.put("/v1/stores/" + store + "/kv/b:0", "hidden", ADMIN);
        https.put("/v1/stores/" + store + "/kv/a:0", "seen", ADMIN);
        try (SseClient watch = SseClient.open(SecuredDkv.client(false, HttpClient.Version.HTTP_1_1),
                "https://localhost:" + SecuredDkv.port() + "/v1/stores/" + store + "/watch?prefix=a:&snapshot=true", WATCHER)) {
            assertThat(watch.status()).isEqualTo(200);
            assertThat(keysUntilLast(watch, store, https)).containsExactly("a:0", "a:1", "a:2");
        }
    }

    @Test
    void webSocketWatchesOutsideTheGrantAreRefusedAndInsideItSeeOnlyItsKeys() throws Exception {
        DkvHttp https = SecuredDkv.https(false);
        String store = SecuredDkv.WATCH_STORE + "-ws";
        assertThat(https.put("/v1/stores/" + store, "", ADMIN).status()).isIn(200, 201);
        BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
        WebSocket ws = webSocket(store, frames);
        try {
            ws.sendText(new JsonObject().put("type", "watch").put("id", "all").put("prefix", "").encode(), true);
            ws.sendText(new JsonObject().put("type", "watch").put("id", "b").put("key", "b:1").encode(), true);
            ws.sendText(new JsonObject().put("type", "watch").put("id", "a").put("prefix", "a:").encode(), true);
            assertThat(List.of(next(frames), next(frames), next(frames))).extracting(f -> f.getString("id") + " " + f.getString("type")
                    + (f.containsKey("code") ? " " + f.getString("code") : "")).containsExactly("all error FORBIDDEN", "b error FORBIDDEN", "a created");
            List<String> keys = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                https.put("/v1/stores/" + store + "/kv/b:" + i, "hidden", ADMIN);
                https.put("/v1/stores/" + store + "/kv/a:" + i, "seen", ADMIN);
            }
            while (keys.size() < 2) {
                JsonObject frame = next(frames);
                assertThat(frame.getString("id")).isEqualTo("a");
                if (frame.getString("type").equals("events")) {
                    frame.getJsonArray("events").forEach(e -> keys.add(((JsonObject) e).getString("key")));
                }
            }
            assertThat(keys).containsExactly("a:1", "a:2");
        } finally {
            ws.abort();
        }
    }

    @Test
    void anAccessFileThatTakesTheGrantAwayEndsOpenWatchesAndKeepsThoseItStillGrants() throws Exception {
        DkvHttp https = SecuredDkv.https(false);
        String store = SecuredDkv.WATCH_STORE + "-reload";
        assertThat(https.put("/v1/stores/" + store, "", ADMIN).status()).isIn(200, 201);
        BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
        WebSocket ws = webSocket(store, frames);
        try (SseClient wide = SseClient.open(SecuredDkv.client(false, HttpClient.Version.HTTP_1_1),
                "https://localhost:" + SecuredDkv.port() + "/v1/stores/" + store + "/watch?prefix=a:", WATCHER);
                SseClient narrow = SseClient.open(SecuredDkv.client(false, HttpClient.Version.HTTP_1_1),
                        "https://localhost:" + SecuredDkv.port() + "/v1/stores/" + store + "/watch?prefix=a:x", WATCHER)) {
            ws.sendText(new JsonObject().put("type", "watch").put("id", "a").put("prefix", "a:").encode(), true);
            ws.sendText(new JsonObject().put("type", "watch").put("id", "ax").put("prefix", "a:x").encode(), true);
            assertThat(List.of(next(frames), next(frames))).extracting(f -> f.getString("id") + " " + f.getString("type"))
                    .containsExactlyInAnyOrder("a created", "ax created");
            https.put("/v1/stores/" + store + "/kv/a:x1", "before", ADMIN);
            assertThat(wide.nextChange(WAIT).key()).isEqualTo("a:x1");
            assertThat(narrow.nextChange(WAIT).key()).isEqualTo("a:x1");
            assertThat(List.of(next(frames), next(frames))).extracting(f -> f.getString("id") + " " + f.getString("type"))
                    .containsExactlyInAnyOrder("a events", "ax events");

            writeWatcherGrant("a:x", EnumSet.of(Action.WATCH));

            SseClient.Message cancelled = wide.nextChange(WAIT);
            assertThat(cancelled.event()).isEqualTo("cancelled");
            assertThat(cancelled.data().getString("reason")).startsWith("forbidden: ");
            JsonObject ended = next(frames);
            assertThat(ended.getString("id") + " " + ended.getString("type") + " " + ended.getString("code")).isEqualTo("a error FORBIDDEN");
            https.put("/v1/stores/" + store + "/kv/a:x2", "after", ADMIN);
            assertThat(narrow.nextChange(WAIT).key()).as("a watch the new file still grants goes on").isEqualTo("a:x2");
            JsonObject kept = next(frames);
            assertThat(kept.getString("id") + " " + kept.getString("type")).isEqualTo("ax events");
            assertThat(kept.getJsonArray("events").getJsonObject(0).getString("key")).isEqualTo("a:x2");
            await().atMost(WAIT).until(wide::ended);
            assertThat(wide.drain()).as("nothing after the cancel").isEmpty();
        } finally {
            ws.abort();
            restoreAccessFile(store);
        }
    }

    @Test
    void anAccessFileThatTakesElectAwayEndsOpenObservations() throws Exception {
        DkvHttp https = SecuredDkv.https(false);
        String store = SecuredDkv.WATCH_STORE + "-observe";
        assertThat(https.put("/v1/stores/" + store, "", ADMIN).status()).isIn(200, 201);
        try {
            writeWatcherGrant("a:", EnumSet.of(Action.WATCH, Action.ELECT));
            await().atMost(WAIT).until(() -> https.get("/v1/stores/" + store + "/elections/a:job/leader", WATCHER).status() != 403);
            BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
            WebSocket ws = webSocket(store, frames);
            try (SseClient observe = SseClient.open(SecuredDkv.client(false, HttpClient.Version.HTTP_1_1),
                    "https://localhost:" + SecuredDkv.port() + "/v1/stores/" + store + "/elections/a:job/observe", WATCHER)) {
                assertThat(observe.status()).isEqualTo(200);
                assertThat(observe.nextChange(WAIT).event()).as("the current state first").isEqualTo("no-leader");
                ws.sendText(new JsonObject().put("type", "observe").put("id", "o").put("election", "a:job").encode(), true);
                assertThat(next(frames).getString("type")).isEqualTo("created");
                assertThat(next(frames).getString("type")).as("the current state first").isEqualTo("no-leader");

                writeWatcherGrant("a:x", EnumSet.of(Action.WATCH, Action.ELECT));

                SseClient.Message cancelled = observe.nextChange(WAIT);
                assertThat(cancelled.event()).isEqualTo("cancelled");
                assertThat(cancelled.data().getString("reason")).startsWith("forbidden: ");
                JsonObject ended = next(frames);
                assertThat(ended.getString("id") + " " + ended.getString("type") + " " + ended.getString("code")).isEqualTo("o error FORBIDDEN");
            } finally {
                ws.abort();
            }
        } finally {
            restoreAccessFile(store);
        }
    }

    @Test
    void anAccessFileThatTakesLeaseAwayClosesKeepAliveSockets() throws Exception {
        DkvHttp https = SecuredDkv.https(false);
        String store = SecuredDkv.WATCH_STORE + "-keepalive";
        assertThat(https.put("/v1/stores/" + store, "", ADMIN).status()).isIn(200, 201);
        try {
            writeWatcherGrant("", EnumSet.of(Action.LEASE));
            String lease = await().atMost(WAIT).until(() -> https.post("/v1/stores/" + store + "/leases", "{\"ttlMs\": 60000}", WATCHER),
                    granted -> granted.status() == 201).json().getString("id");
            BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
            WebSocket ws = webSocket(store, "/leases/keepalive", frames);
            try {
                ws.sendText(new JsonObject().put("id", lease).encode(), true);
                assertThat(next(frames).getString("type")).isEqualTo("refreshed");

                writeWatcherGrant("a:", EnumSet.of(Action.LEASE));

                assertThat(next(frames).getString("code")).isEqualTo("FORBIDDEN");
                await().atMost(WAIT).until(ws::isInputClosed);
            } finally {
                ws.abort();
            }
        } finally {
            restoreAccessFile(store);
        }
    }

    @Test
    void aRelayedSnapshotShowsOnlyTheGrantedKeys() throws Exception {
        try (DkvServer second = TestDkv.start(SecuredDkv.anotherInstance())) {
            DkvHttp viaA = SecuredDkv.https(false);
            DkvHttp viaB = new DkvHttp("https://localhost:" + second.port(), SecuredDkv.client(false, HttpClient.Version.HTTP_1_1));
            await().atMost(Duration.ofSeconds(60)).until(() -> viaB.get("/ready").status() == 200 && viaA.get("/ready").status() == 200);
            List<String> stores = IntStream.range(0, 6).mapToObj(i -> SecuredDkv.WATCH_STORE + "-relay" + i).toList();
            for (String store : stores) {
                await().atMost(WAIT).until(() -> viaA.put("/v1/stores/" + store, "", ADMIN).status() < 300);
                viaA.put("/v1/stores/" + store + "/kv/b:0", "hidden", ADMIN);
                viaA.put("/v1/stores/" + store + "/kv/a:0", "seen", ADMIN);
            }
            List<String> owners = new ArrayList<>();
            for (String store : stores) {
                owners.add(viaB.get("/v1/stores/" + store, ADMIN).json().getString("owner"));
                try (SseClient watch = SseClient.open(SecuredDkv.client(false, HttpClient.Version.HTTP_1_1),
                        viaB.base() + "/v1/stores/" + store + "/watch?prefix=a:&snapshot=true", WATCHER)) {
                    assertThat(watch.status()).isEqualTo(200);
                    assertThat(keysUntilLast(watch, store, viaB)).as(store).containsExactly("a:0", "a:1", "a:2");
                }
            }
            assertThat(owners).as("some snapshots were relayed from the other instance").contains("localhost:" + SecuredDkv.port());
            // A caller known by its certificate, which cannot be forwarded, is read for by the instance it reached.
            DkvHttp certificateViaB = new DkvHttp(viaB.base(), SecuredDkv.client(true, HttpClient.Version.HTTP_1_1));
            for (String store : stores) {
                assertThat(certificateViaB.get("/v1/stores/" + store + "/kv/a:0").text()).as(store).isEqualTo("seen");
                assertThat(certificateViaB.get("/v1/stores/" + store + "/kv/b:0").code()).as(store).isEqualTo("FORBIDDEN");
            }
            assertThat(viaB.get("/v1/stores", ADMIN).json().getJsonArray("stores").stream()
                    .map(s -> ((JsonObject) s).getString("name")).toList()).as("listed from both instances with the caller's token")
                    .containsAll(stores);
        }
    }

    /**
     * The keys a watch of "a:" reports, snapshot first, while b:1, a:1, b:2, a:2 are written:
     * ends at a:2, so a leaked b: event would come before it and be in the list.
     */
    private static List<String> keysUntilLast(SseClient watch, String store, DkvHttp via) throws InterruptedException {
        List<String> keys = new ArrayList<>();
        for (SseClient.Message message : watch.until("snapshot-end", WAIT)) {
            if (message.event().equals("snapshot")) {
                keys.add(message.key());
            }
        }
        for (int i = 1; i <= 2; i++) {
            via.put("/v1/stores/" + store + "/kv/b:" + i, "hidden", ADMIN);
            via.put("/v1/stores/" + store + "/kv/a:" + i, "seen", ADMIN);
        }
        while (!keys.contains("a:2")) {
            keys.add(watch.nextChange(WAIT).key());
        }
        return keys;
    }

    /**
     * Puts the usual access file back and waits until it is in force, so the next test does not start
     * under a narrowed one: the watcher may watch {@code a:} of {@code store} again, and grant no lease.
     */
    private static void restoreAccessFile(String store) {
        SecuredDkv.writeAccessFile(SecuredDkv.policy());
        DkvHttp https = SecuredDkv.https(false);
        await().atMost(WAIT).until(() -> {
            try (SseClient watch = SseClient.open(SecuredDkv.client(false, HttpClient.Version.HTTP_1_1),
                    "https://localhost:" + SecuredDkv.port() + "/v1/stores/" + store + "/watch?prefix=a:", WATCHER)) {
                return watch.status() == 200
                        && https.post("/v1/stores/" + store + "/leases", "{\"ttlMs\": 60000}", WATCHER).status() == 403;
            }
        });
    }

    /** Rewrites the access file with the watcher's one grant on the watch stores changed to {@code actions} on {@code prefix}. */
    private static void writeWatcherGrant(String prefix, EnumSet<Action> actions) {
        JsonObject policy = SecuredDkv.policy();
        policy.getJsonObject("roles").put("watcher", new JsonArray().add(SecuredDkv.grant(SecuredDkv.WATCH_STORE + "*", prefix, actions)));
        SecuredDkv.writeAccessFile(policy);
    }

    /** A WebSocket to the store's /ws as the watcher, each text frame it gets put on {@code frames}. */
    private static WebSocket webSocket(String store, BlockingQueue<JsonObject> frames) throws Exception {
        return webSocket(store, "/ws", frames);
    }

    /** A WebSocket to {@code path} of the store as the watcher, each text frame it gets put on {@code frames}. */
    private static WebSocket webSocket(String store, String path, BlockingQueue<JsonObject> frames) throws Exception {
        return SecuredDkv.client(false, HttpClient.Version.HTTP_1_1).newWebSocketBuilder().header(WATCHER[0], WATCHER[1])
                .buildAsync(URI.create("wss://localhost:" + SecuredDkv.port() + "/v1/stores/" + store + path), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        frames.add(new JsonObject(data.toString()));
                        webSocket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
    }

    private static JsonObject next(BlockingQueue<JsonObject> frames) throws InterruptedException {
        JsonObject frame;
        do {
            frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(frame).as("a frame within " + WAIT).isNotNull();
        } while (frame.getString("type").equals("progress"));
        return frame;
    }
}
