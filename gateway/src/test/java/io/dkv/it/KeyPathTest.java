package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A key is the rest of the path after {@code /kv/}, byte for byte: dot segments, empty segments and
 * encoded slashes are key bytes, keys that are not UTF-8 round-trip as {@code keyBase64}, and no key
 * request ever reaches a store endpoint. Requests go over a raw socket so that nothing between the
 * test and the gateway normalizes the path.
 */
class KeyPathTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Raw path suffix → the key bytes it names. */
    private static final Map<String, String> DOT_KEYS = Map.of(
            ".", ".", "..", "..", "%2e", ".", "%2E%2e", "..", "../x", "../x", "a/../..", "a/../..", "../../victim2", "../../victim2");

    private static DkvServer server;
    private static DkvHttp http;

    @BeforeAll
    static void start() {
        server = TestDkv.start(TestDkv.config());
        http = new DkvHttp(server.port());
        http.put("/v1/stores/victim", "");
        http.put("/v1/stores/victim/kv/keep", "kept");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void dotSegmentsAreKeysForEveryMethodAndNeverReachTheStore() {
        for (Map.Entry<String, String> dot : DOT_KEYS.entrySet()) {
            String path = "/v1/stores/victim/kv/" + dot.getKey();
            String key = dot.getValue();
            DkvHttp.RawResponse put = http.raw("PUT", path, "v:" + dot.getKey());
            assertThat(put.status()).as(path + " " + put).isIn(200, 201);
            assertThat(put.json().getString("key")).as(path).isEqualTo(key);

            DkvHttp.RawResponse get = http.raw("GET", path + "?view=json", "");
            assertThat(get.status()).as(path + " " + get).isEqualTo(200);
            assertThat(get.json().getString("key")).isEqualTo(key);
            assertThat(get.json().getString("value")).isEqualTo("v:" + dot.getKey());

            DkvHttp.RawResponse delete = http.raw("DELETE", path, "");
            assertThat(delete.status()).as(path + " " + delete).isEqualTo(200);
            assertThat(delete.json().getInteger("deleted")).isEqualTo(1);
            assertThat(http.raw("GET", path, "").code()).isEqualTo("KEY_NOT_FOUND");
            storesUnchanged();
        }
    }

    @Test
    void dotKeysInTransactionsAndWatchesAreKeysToo() throws Exception {
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/victim/watch?key=..")) {
            assertThat(watch.next(WAIT).event()).isEqualTo("progress");
            JsonObject txn = new JsonObject().put("then", new JsonArray()
                    .add(new JsonObject().put("op", "put").put("key", "..").put("value", "up"))
                    .add(new JsonObject().put("op", "put").put("key", ".").put("value", "here")));
            DkvHttp.RawResponse applied = http.raw("POST", "/v1/stores/victim/txn", txn.encode());
            assertThat(applied.status()).as(applied.toString()).isEqualTo(200);
            SseClient.Message event = watch.nextChange(WAIT);
            assertThat(event.key()).isEqualTo("..");
            assertThat(event.data().getString("value")).isEqualTo("up");
            assertThat(http.raw("GET", "/v1/stores/victim/kv/%2e", "").body()).isEqualTo("here");
            http.raw("DELETE", "/v1/stores/victim/kv/..", "");
            assertThat(watch.nextChange(WAIT).event()).isEqualTo("delete");
            http.raw("DELETE", "/v1/stores/victim/kv/.", "");
        }
        storesUnchanged();
    }

    @Test
    void slashesAndEmptySegmentsAreKeyBytes() {
        Map<String, String> keys = Map.of("%2F", "/", "//a", "//a", "a//b/", "a//b/", "a%2Fb", "a/b", "sp%20ace+plus", "sp ace+plus");
        for (Map.Entry<String, String> k : keys.entrySet()) {
            String path = "/v1/stores/victim/kv/" + k.getKey();
            assertThat(http.raw("PUT", path, "v").json().getString("key")).as(path).isEqualTo(k.getValue());
            assertThat(http.raw("GET", path + "?view=json", "").json().getString("key")).as(path).isEqualTo(k.getValue());
            assertThat(http.raw("DELETE", path, "").status()).as(path).isEqualTo(200);
        }
        storesUnchanged();
    }

    @Test
    void keysThatAreNotUtf8RoundTripAsBase64InEveryView() throws Exception {
        String base64 = Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, 'k', (byte) 0xc3});
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/victim/watch?prefix=%ff")) {
            assertThat(watch.next(WAIT).event()).isEqualTo("progress");
            DkvHttp.RawResponse put = http.raw("PUT", "/v1/stores/victim/kv/%ffk%c3", "bin");
            assertThat(put.status()).as(put.toString()).isEqualTo(201);
            assertThat(put.json().getString("keyBase64")).isEqualTo(base64);
            assertThat(put.json().containsKey("key")).isFalse();

            JsonObject got = http.raw("GET", "/v1/stores/victim/kv/%FFk%C3?view=json", "").json();
            assertThat(got.getString("keyBase64")).isEqualTo(base64);
            assertThat(got.getString("value")).isEqualTo("bin");
            JsonObject listed = http.raw("GET", "/v1/stores/victim/kv?prefix=%ff", "").json();
            assertThat(listed.getJsonArray("items")).hasSize(1);
            assertThat(listed.getJsonArray("items").getJsonObject(0).getString("keyBase64")).isEqualTo(base64);
            SseClient.Message event = watch.nextChange(WAIT);
            assertThat(event.data().getString("keyBase64")).isEqualTo(base64);

            JsonObject txn = new JsonObject().put("then", new JsonArray()
                    .add(new JsonObject().put("op", "get").put("keyBase64", base64)));
            JsonObject result = http.raw("POST", "/v1/stores/victim/txn", txn.encode()).json();
            assertThat(result.encode()).contains(base64);
            assertThat(http.raw("DELETE", "/v1/stores/victim/kv/%ffk%c3", "").status()).isEqualTo(200);
            assertThat(http.raw("GET", "/v1/stores/victim/kv/%ff%ef%bf%bd", "").code())
                    .as("the replacement character is a different key").isEqualTo("KEY_NOT_FOUND");
        }
        storesUnchanged();
    }

    /** Only the victim store exists, it holds its one key, and no store was made of a key. */
    private static void storesUnchanged() {
        List<String> names = http.get("/v1/stores").json().getJsonArray("stores").stream()
                .map(s -> ((JsonObject) s).getString("name")).collect(Collectors.toList());
        assertThat(names).containsExactly("victim");
        assertThat(http.get("/v1/stores/victim/kv/keep").text()).isEqualTo("kept");
        assertThat(http.get("/v1/stores/victim").json().getLong("keys")).isEqualTo(1);
    }
}
