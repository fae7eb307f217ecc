package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The KV API end to end: real broker, real Streams and RocksDB, real HTTP server and client. */
class KvApiTest {
    private static DkvServer server;
    private static DkvHttp http;

    @BeforeAll
    static void start() {
        server = TestDkv.start(TestDkv.config());
        http = new DkvHttp(server.port());
        assertThat(http.put("/v1/stores/kv", "").status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void putThenGetReturnsTheValueWithItsRevisions() {
        DkvHttp.Response put = http.put("/v1/stores/kv/kv/order:1001", "hello");
        assertThat(put.status()).isEqualTo(201);
        long revision = put.json().getLong("revision");
        assertThat(put.header("ETag")).isEqualTo("\"" + revision + "\"");

        DkvHttp.Response get = http.get("/v1/stores/kv/kv/order:1001");
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.text()).isEqualTo("hello");
        assertThat(get.header("ETag")).isEqualTo("\"" + revision + "\"");
        assertThat(get.header("DKV-Version")).isEqualTo("1");
        assertThat(get.revision()).isGreaterThanOrEqualTo(revision);

        DkvHttp.Response update = http.put("/v1/stores/kv/kv/order:1001", "again");
        assertThat(update.status()).isEqualTo(200);
        JsonObject json = http.get("/v1/stores/kv/kv/order:1001", "Accept", "application/json").json();
        assertThat(json.getString("value")).isEqualTo("again");
        assertThat(json.getLong("version")).isEqualTo(2);
        assertThat(json.getLong("createRevision")).isEqualTo(revision);
        assertThat(json.getLong("modRevision")).isEqualTo(update.json().getLong("revision")).isGreaterThan(revision);
    }

    @Test
    void revisionsOfAStoreIncreaseByOneWithEveryWrite() {
        http.put("/v1/stores/revs", "");
        List<Long> revisions = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            revisions.add(http.put("/v1/stores/revs/kv/k" + (i % 2), "v" + i).json().getLong("revision"));
        }
        revisions.add(http.delete("/v1/stores/revs/kv/k0").json().getLong("revision"));
        assertThat(revisions).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(http.get("/v1/stores/revs").json().getLong("revision")).isEqualTo(6);
        assertThat(http.get("/v1/stores/revs").json().getLong("keys")).isEqualTo(1);
    }

    @Test
    void binaryValuesAndPercentEncodedKeysRoundTrip() {
        byte[] value = {0, 1, (byte) 0xFF, (byte) 0xC3, 10};
        assertThat(http.putBytes("/v1/stores/kv/kv/a%2Fb%20c+d/e", value).status()).isEqualTo(201);
        assertThat(http.get("/v1/stores/kv/kv/a%2Fb%20c+d/e").body()).isEqualTo(value);
        JsonObject json = http.get("/v1/stores/kv/kv/a%2Fb%20c+d/e?view=json").json();
        assertThat(json.getString("key")).isEqualTo("a/b c+d/e");
        assertThat(json.getString("valueBase64")).isEqualTo("AAH/wwo=");
    }

    @Test
    void deleteRemovesTheKeyAndAMissingKeyIs404() {
        http.put("/v1/stores/kv/kv/gone", "x");
        DkvHttp.Response deleted = http.delete("/v1/stores/kv/kv/gone");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().getInteger("deleted")).isEqualTo(1);
        assertThat(http.get("/v1/stores/kv/kv/gone").code()).isEqualTo("KEY_NOT_FOUND");
        DkvHttp.Response again = http.delete("/v1/stores/kv/kv/gone");
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.code()).isEqualTo("KEY_NOT_FOUND");
    }

    @Test
    void ifMatchAndIfNoneMatchAreCompareAndSet() {
        assertThat(http.put("/v1/stores/kv/kv/cas", "v1", "If-None-Match", "*").status()).isEqualTo(201);
        DkvHttp.Response exists = http.put("/v1/stores/kv/kv/cas", "v2", "If-None-Match", "*");
        assertThat(exists.status()).isEqualTo(412);
        assertThat(exists.code()).isEqualTo("PRECONDITION_FAILED");

        String etag = http.get("/v1/stores/kv/kv/cas").header("ETag");
        DkvHttp.Response stale = http.put("/v1/stores/kv/kv/cas", "v3", "If-Match", "\"1\"");
        assertThat(stale.status()).isEqualTo(412);
        assertThat(stale.json().getLong("modRevision")).isEqualTo(Long.parseLong(etag.replace("\"", "")));
        assertThat(http.get("/v1/stores/kv/kv/cas").text()).isEqualTo("v1");

        assertThat(http.put("/v1/stores/kv/kv/cas", "v4", "If-Match", etag).status()).isEqualTo(200);
        assertThat(http.get("/v1/stores/kv/kv/cas").text()).isEqualTo("v4");
        assertThat(http.delete("/v1/stores/kv/kv/cas", "If-Match", etag).status()).isEqualTo(412);
        assertThat(http.put("/v1/stores/kv/kv/absent-cas", "x", "If-Match", "*").status()).isEqualTo(412);
    }

    @Test
    void listPagesThroughAPrefixInKeyOrderWithoutStrayKeys() {
        http.put("/v1/stores/list", "");
        for (String key : List.of("jobs:3", "jobs:1", "jobs:2", "jobs2:x", "job", "jobs:10")) {
            http.put("/v1/stores/list/kv/" + key, "v-" + key);
        }
        List<String> keys = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            DkvHttp.Response page = http.get("/v1/stores/list/kv?prefix=jobs:&limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            JsonArray items = page.json().getJsonArray("items");
            items.forEach(i -> keys.add(((JsonObject) i).getString("key")));
            cursor = page.json().getBoolean("more") ? page.json().getString("cursor") : null;
            pages++;
        } while (cursor != null);
        assertThat(keys).containsExactly("jobs:1", "jobs:10", "jobs:2", "jobs:3");
        assertThat(pages).isEqualTo(2);
        assertThat(http.get("/v1/stores/list/kv").json().getJsonArray("items")).hasSize(6);
    }

    @Test
    void transactionAppliesTheThenBranchAtOneRevisionOrReturnsTheElseBranch() {
        http.put("/v1/stores/txn", "");
        http.put("/v1/stores/txn/kv/jobs:1", "j1");
        http.put("/v1/stores/txn/kv/t:b", "old");
        String body = "{\"compare\":[{\"key\":\"jobs:1\",\"target\":\"value\",\"op\":\"==\",\"value\":\"j1\"}],"
                + "\"then\":[{\"op\":\"put\",\"key\":\"t:a\",\"value\":\"1\"},{\"op\":\"delete\",\"key\":\"t:b\"}],"
                + "\"else\":[{\"op\":\"get\",\"key\":\"jobs:1\"}]}";
        DkvHttp.Response applied = http.post("/v1/stores/txn/txn", body);
        assertThat(applied.status()).isEqualTo(200);
        JsonObject result = applied.json();
        assertThat(result.getBoolean("succeeded")).isTrue();
        assertThat(result.getLong("revision")).isEqualTo(3);
        assertThat(http.get("/v1/stores/txn/kv/t:a").header("ETag")).isEqualTo("\"3\"");
        assertThat(http.get("/v1/stores/txn/kv/t:b").status()).isEqualTo(404);

        http.put("/v1/stores/txn/kv/jobs:1", "j2");
        JsonObject otherwise = http.post("/v1/stores/txn/txn", body).json();
        assertThat(otherwise.getBoolean("succeeded")).isFalse();
        assertThat(otherwise.getLong("revision")).isEqualTo(4);
        assertThat(otherwise.getJsonArray("results").getJsonObject(0).getString("value")).isEqualTo("j2");

        String numeric = "{\"compare\":[{\"key\":\"jobs:1\",\"target\":\"version\",\"op\":\">\",\"value\":1},"
                + "{\"key\":\"nothing\",\"target\":\"createRevision\",\"op\":\"==\",\"value\":0}],"
                + "\"then\":[{\"op\":\"put\",\"keyBase64\":\"AP8=\",\"valueBase64\":\"AQI=\"}]}";
        JsonObject numericResult = http.post("/v1/stores/txn/txn", numeric).json();
        assertThat(numericResult.getBoolean("succeeded")).isTrue();
        assertThat(numericResult.getJsonArray("results").getJsonObject(0).getString("keyBase64")).isEqualTo("AP8=");
    }

    @Test
    void retryWithTheSameRequestIdIsAppliedOnce() {
        DkvHttp.Response first = http.put("/v1/stores/kv/kv/idem", "a", "DKV-Request-Id", "req-42");
        DkvHttp.Response retry = http.put("/v1/stores/kv/kv/idem", "a", "DKV-Request-Id", "req-42");
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(http.get("/v1/stores/kv/kv/idem").header("DKV-Version")).isEqualTo("1");
    }

    @Test
    void readYourWritesWaitsForTheRevision() {
        long revision = http.put("/v1/stores/kv/kv/ryw", "mine").json().getLong("revision");
        DkvHttp.Response read = http.get("/v1/stores/kv/kv/ryw", "DKV-Min-Revision", Long.toString(revision));
        assertThat(read.text()).isEqualTo("mine");
        assertThat(read.revision()).isGreaterThanOrEqualTo(revision);
        DkvHttp.Response future = http.get("/v1/stores/kv/kv/ryw", "DKV-Min-Revision", Long.toString(revision + 1_000_000));
        assertThat(future.status()).isEqualTo(504);
        assertThat(future.code()).isEqualTo("TIMEOUT");
    }

    @Test
    void storesAreIsolatedCreatedListedAndDeleted() {
        assertThat(http.put("/v1/stores/iso-a", "").status()).isEqualTo(201);
        assertThat(http.put("/v1/stores/iso-a", "").status()).isEqualTo(200);
        http.put("/v1/stores/iso-b", "");
        http.put("/v1/stores/iso-a/kv/jobs:7", "a");
        assertThat(http.get("/v1/stores/iso-b/kv/jobs:7").status()).isEqualTo(404);

        JsonArray stores = http.get("/v1/stores").json().getJsonArray("stores");
        assertThat(stores.stream().map(s -> ((JsonObject) s).getString("name"))).contains("iso-a", "iso-b");

        assertThat(http.delete("/v1/stores/iso-a").status()).isEqualTo(200);
        assertThat(http.get("/v1/stores/iso-a/kv/jobs:7").code()).isEqualTo("STORE_NOT_FOUND");
        assertThat(http.put("/v1/stores/iso-a/kv/jobs:7", "a").code()).isEqualTo("STORE_NOT_FOUND");
        assertThat(http.delete("/v1/stores/iso-a").code()).isEqualTo("STORE_NOT_FOUND");
    }

    @Test
    void operationsEndpointsAnswer() {
        assertThat(http.get("/health").json().getString("status")).isEqualTo("UP");
        assertThat(http.get("/ready").json().getString("status")).isEqualTo("READY");
        http.put("/v1/stores/kv/kv/metrics", "m");
        String metrics = http.get("/metrics").text();
        assertThat(metrics).contains("dkv_http_server_requests_seconds_count{method=\"PUT\",route=\"/v1/stores/:store/kv/*\",status=\"201\"}");
        assertThat(metrics).contains("dkv_command_round_trip_seconds_count");
        assertThat(metrics).contains("kafka_consumer_fetch_manager_records_lag");
        assertThat(metrics).containsPattern("kafka_stream_state_size_all_mem_tables\\{[^}]*rocksdb_state_id=\"meta\"")
                .containsPattern("kafka_stream_state_size_all_mem_tables\\{[^}]*rocksdb_state_id=\"processed-requests\"");
        assertThat(new String(http.get("/openapi.yaml").body(), StandardCharsets.UTF_8)).startsWith("openapi: 3");
    }
}
