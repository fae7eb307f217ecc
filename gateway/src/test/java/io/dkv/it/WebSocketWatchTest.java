package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Many watches multiplexed on one WebSocket: create and cancel by id, frames tagged by id. */
class WebSocketWatchTest {
    private static DkvServer server;
    private static DkvHttp http;
    private static Vertx vertx;
    private static final List<JsonObject> PENDING = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = TestDkv.start(TestDkv.config());
        http = new DkvHttp(server.port());
        http.put("/v1/stores/ws", "");
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
        server.close();
    }

    @Test
    void manyWatchesShareOneConnectionAndCancelIndependently() throws Exception {
        BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
        WebSocketClient client = vertx.createWebSocketClient();
        WebSocket ws = client.connect(server.port(), "localhost", "/v1/stores/ws/ws").await(10, TimeUnit.SECONDS);
        ws.textMessageHandler(text -> frames.add(new JsonObject(text)));

        ws.writeTextMessage(new JsonObject().put("type", "watch").put("id", "orders").put("prefix", "order:").encode());
        ws.writeTextMessage(new JsonObject().put("type", "watch").put("id", "one").put("key", "order:7").put("snapshot", true).encode());
        assertThat(next(frames, "orders", "created")).isNotNull();
        assertThat(next(frames, "one", "created")).isNotNull();
        assertThat(next(frames, "one", "snapshot-end")).isNotNull();

        long revision = http.put("/v1/stores/ws/kv/order:7", "seven").json().getLong("revision");
        JsonObject both1 = next(frames, "orders", "events");
        JsonObject both2 = next(frames, "one", "events");
        assertThat(both1.getLong("revision")).isEqualTo(revision);
        assertThat(both2.getJsonArray("events").getJsonObject(0).getString("value")).isEqualTo("seven");

        ws.writeTextMessage(new JsonObject().put("type", "cancel").put("id", "one").encode());
        assertThat(next(frames, "one", "cancelled").getString("reason")).isEqualTo("client");
        long later = http.put("/v1/stores/ws/kv/order:7", "again").json().getLong("revision");
        JsonObject after = next(frames, "orders", "events");
        assertThat(after.getLong("revision")).isEqualTo(later);
        assertThat(PENDING).noneMatch(f -> "one".equals(f.getString("id")) && "events".equals(f.getString("type")));
        assertThat(frames).noneMatch(f -> "one".equals(f.getString("id")) && "events".equals(f.getString("type")));

        ws.writeTextMessage("{nope");
        assertThat(next(frames, null, "error").getString("code")).isEqualTo("INVALID_JSON");
        ws.writeTextMessage(new JsonObject().put("type", "watch").put("id", "orders").put("key", "x").encode());
        assertThat(next(frames, "orders", "error").getString("code")).isEqualTo("INVALID_REQUEST");
        ws.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void anElectionIsObservedOnTheSameSocket() throws Exception {
        BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
        WebSocket ws = vertx.createWebSocketClient().connect(server.port(), "localhost", "/v1/stores/ws/ws").await(10, TimeUnit.SECONDS);
        ws.textMessageHandler(text -> frames.add(new JsonObject(text)));
        String lease = http.post("/v1/stores/ws/leases", "{\"ttlMs\": 60000}").json().getString("id");
        DkvHttp.Response campaign = http.post("/v1/stores/ws/elections/ws-job/campaign",
                new JsonObject().put("lease", lease).put("value", "me").encode());
        assertThat(campaign.json().getBoolean("leader")).as(campaign.toString()).isTrue();

        ws.writeTextMessage(new JsonObject().put("type", "observe").put("id", "job").put("election", "ws-job").encode());
        assertThat(next(frames, "job", "created")).isNotNull();
        JsonObject leader = next(frames, "job", "leader");
        assertThat(leader.getString("value")).isEqualTo("me");
        assertThat(leader.getLong("token")).isEqualTo(campaign.json().getLong("token"));

        long resigned = http.post("/v1/stores/ws/elections/ws-job/resign", new JsonObject().put("lease", lease).encode()).json().getLong("revision");
        assertThat(next(frames, "job", "no-leader").getLong("revision")).isEqualTo(resigned);
        ws.writeTextMessage(new JsonObject().put("type", "observe").put("id", "bad").put("election", "no spaces").encode());
        assertThat(next(frames, "bad", "error").getString("code")).isEqualTo("INVALID_ELECTION");
        ws.writeTextMessage(new JsonObject().put("type", "cancel").put("id", "job").encode());
        assertThat(next(frames, "job", "cancelled").getString("reason")).isEqualTo("client");
        ws.close().await(10, TimeUnit.SECONDS);
    }

    /** The first frame, in arrival order, of that watch and type; frames of other watches wait their turn. */
    private static JsonObject next(BlockingQueue<JsonObject> frames, String id, String type) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            for (JsonObject frame : PENDING) {
                if (type.equals(frame.getString("type")) && (id == null || id.equals(frame.getString("id")))) {
                    PENDING.remove(frame);
                    return frame;
                }
            }
            JsonObject frame = frames.poll(200, TimeUnit.MILLISECONDS);
            if (frame != null) {
                PENDING.add(frame);
            }
        }
        throw new AssertionError("no " + type + " frame for " + id + "; received " + PENDING);
    }
}
