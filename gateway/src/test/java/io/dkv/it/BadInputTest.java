package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every kind of bad input gets its status and stable code, and changes nothing. */
class BadInputTest {
    private static DkvServer server;
    private static DkvHttp http;
    private JsonObject before;

    @BeforeAll
    static void start() {
        DkvConfig config = TestDkv.config();
        config.maxKeyBytes = 16;
        config.maxValueBytes = 100;
        config.maxRequestBytes = 1_000;
        config.maxTxnOps = 3;
        config.maxPageSize = 10;
        config.requestTimeoutMs = 3_000;
        server = TestDkv.start(config);
        http = new DkvHttp(server.port());
        http.put("/v1/stores/s", "");
        http.put("/v1/stores/s/kv/existing", "v");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void recordState() {
        before = http.get("/v1/stores/s").json();
    }

    @AfterEach
    void nothingChanged() {
        JsonObject after = http.get("/v1/stores/s").json();
        assertThat(after.getLong("revision")).isEqualTo(before.getLong("revision"));
        assertThat(after.getLong("keys")).isEqualTo(before.getLong("keys"));
        assertThat(http.get("/v1/stores/s/kv/existing").text()).isEqualTo("v");
    }

    @Test
    void invalidStoreNames() {
        expect(http.put("/v1/stores/bad.name", ""), 400, "INVALID_STORE_NAME");
        expect(http.put("/v1/stores/" + "x".repeat(65), ""), 400, "INVALID_STORE_NAME");
        expect(http.get("/v1/stores/bad%20name/kv/k"), 400, "INVALID_STORE_NAME");
    }

    @Test
    void unknownStores() {
        expect(http.get("/v1/stores/nope"), 404, "STORE_NOT_FOUND");
        expect(http.get("/v1/stores/nope/kv/k"), 404, "STORE_NOT_FOUND");
        expect(http.put("/v1/stores/nope/kv/k", "v"), 404, "STORE_NOT_FOUND");
        expect(http.get("/v1/stores/nope/kv?prefix=a"), 404, "STORE_NOT_FOUND");
        expect(http.post("/v1/stores/nope/txn", "{\"then\":[{\"op\":\"put\",\"key\":\"a\",\"value\":\"b\"}]}"), 404, "STORE_NOT_FOUND");
        expect(http.delete("/v1/stores/nope"), 404, "STORE_NOT_FOUND");
    }

    @Test
    void badKeysAndValues() {
        expect(http.put("/v1/stores/s/kv/", "v"), 400, "INVALID_KEY");
        expect(http.put("/v1/stores/s/kv/" + "k".repeat(17), "v"), 413, "KEY_TOO_LARGE");
        expect(http.put("/v1/stores/s/kv/big", "v".repeat(101)), 413, "VALUE_TOO_LARGE");
        expect(http.put("/v1/stores/s/kv/huge", "v".repeat(1_001)), 413, "REQUEST_TOO_LARGE");
    }

    @Test
    void badConditionsAndRevisions() {
        expect(http.put("/v1/stores/s/kv/existing", "w", "If-Match", "abc"), 400, "INVALID_REVISION");
        expect(http.put("/v1/stores/s/kv/existing", "w", "If-Match", "-1"), 400, "INVALID_REVISION");
        expect(http.put("/v1/stores/s/kv/existing", "w", "If-None-Match", "\"3\""), 400, "INVALID_REQUEST");
        expect(http.put("/v1/stores/s/kv/existing", "w", "If-Match", "*", "If-None-Match", "*"), 400, "INVALID_REQUEST");
        expect(http.get("/v1/stores/s/kv/existing", "DKV-Min-Revision", "soon"), 400, "INVALID_REVISION");
        expect(http.put("/v1/stores/s/kv/existing", "w", "DKV-Request-Id", "has space"), 400, "INVALID_REQUEST");
    }

    @Test
    void badTransactions() {
        expect(http.post("/v1/stores/s/txn", "{not json"), 400, "INVALID_JSON");
        expect(http.post("/v1/stores/s/txn", "[]"), 400, "INVALID_JSON");
        expect(http.post("/v1/stores/s/txn", ""), 400, "INVALID_JSON");
        expect(http.post("/v1/stores/s/txn", "{\"cmp\":[]}"), 400, "INVALID_REQUEST");
        expect(http.post("/v1/stores/s/txn", "{\"compare\":[{\"key\":\"a\",\"target\":\"colour\",\"op\":\"==\",\"value\":\"x\"}]}"),
                400, "INVALID_REQUEST");
        expect(http.post("/v1/stores/s/txn", "{\"compare\":[{\"key\":\"a\",\"target\":\"version\",\"op\":\"==\",\"value\":\"x\"}]}"),
                400, "INVALID_REQUEST");
        expect(http.post("/v1/stores/s/txn", "{\"then\":[{\"op\":\"upsert\",\"key\":\"a\"}]}"), 400, "INVALID_REQUEST");
        expect(http.post("/v1/stores/s/txn", "{\"then\":[{\"op\":\"put\",\"key\":\"a\"}]}"), 400, "INVALID_REQUEST");
        expect(http.post("/v1/stores/s/txn", "{\"then\":[{\"op\":\"put\",\"key\":\"\",\"value\":\"b\"}]}"), 400, "INVALID_KEY");
        expect(http.post("/v1/stores/s/txn", "{\"then\":[{\"op\":\"put\",\"keyBase64\":\"!!\",\"value\":\"b\"}]}"), 400, "INVALID_REQUEST");
        expect(http.post("/v1/stores/s/txn", "{\"then\":[{\"op\":\"put\",\"key\":\"a\",\"value\":\"1\"},"
                + "{\"op\":\"put\",\"key\":\"a\",\"value\":\"2\"}]}"), 400, "INVALID_REQUEST");
        expect(http.post("/v1/stores/s/txn", "{\"then\":[{\"op\":\"get\",\"key\":\"a\"},{\"op\":\"get\",\"key\":\"b\"},"
                + "{\"op\":\"get\",\"key\":\"c\"},{\"op\":\"get\",\"key\":\"d\"}]}"), 413, "TXN_TOO_LARGE");
    }

    @Test
    void badListings() {
        expect(http.get("/v1/stores/s/kv?limit=0"), 400, "INVALID_REQUEST");
        expect(http.get("/v1/stores/s/kv?limit=ten"), 400, "INVALID_REQUEST");
        expect(http.get("/v1/stores/s/kv?limit=11"), 413, "REQUEST_TOO_LARGE");
        expect(http.get("/v1/stores/s/kv?prefix=a&cursor=Yg"), 400, "INVALID_CURSOR");
        expect(http.get("/v1/stores/s/kv?cursor=***"), 400, "INVALID_CURSOR");
    }

    @Test
    void unknownRoutesAndMethods() {
        expect(http.get("/v2/anything"), 404, "NOT_FOUND");
        expect(http.post("/v1/stores/s/kv/existing", "v"), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void malformedPercentEscapesAreJsonErrors() {
        expect(http.raw("GET", "/v1/stores/s/kv/%zz", ""), 400, "INVALID_KEY");
        expect(http.raw("PUT", "/v1/stores/s/kv/a%2", "v"), 400, "INVALID_KEY");
        expect(http.raw("DELETE", "/v1/stores/s/kv/%g0", ""), 400, "INVALID_KEY");
        expect(http.raw("GET", "/v1/stores/%zz", ""), 400, "INVALID_REQUEST");
        expect(http.raw("DELETE", "/v1/stores/s%zz", ""), 400, "INVALID_REQUEST");
        expect(http.raw("GET", "/v1/stores/s/kv?cursor=%zz", ""), 400, "INVALID_PARAMETER");
        expect(http.raw("GET", "/v1/stores/s/kv?prefix=%", ""), 400, "INVALID_PARAMETER");
        expect(http.raw("GET", "/v1/stores/s/watch?key=%zz", ""), 400, "INVALID_PARAMETER");
    }

    @Test
    void whatTheHttpCodecRefusesIsAJsonError() {
        expect(http.raw("GET", "/v1/stores/s/kv/" + "k".repeat(9_000), ""), 414, "URI_TOO_LONG");
        expect(http.raw("GET", "/v1/stores/s/kv/existing", "", "X-Padding", "p".repeat(9_000)), 431, "HEADERS_TOO_LARGE");
        expect(http.raw("PUT", "/v1/stores/s/kv/existing", "w", "DKV-Request-Id", "r".repeat(9_000)), 431, "HEADERS_TOO_LARGE");
        expect(http.raw("GET", "/v1/stores/s/kv/existing", "", "Bad Header", "x"), 400, "MALFORMED_HTTP");
    }

    @Test
    void unknownViewsAndParameters() {
        expect(http.get("/v1/stores/s/kv/existing?view=bogus"), 400, "INVALID_PARAMETER");
        expect(http.get("/v1/stores/s/kv/existing?view=json&view=raw"), 400, "INVALID_PARAMETER");
        expect(http.get("/v1/stores/s/kv/existing?veiw=json"), 400, "UNKNOWN_PARAMETER");
        expect(http.put("/v1/stores/s/kv/existing?ttl=5", "w"), 400, "UNKNOWN_PARAMETER");
        expect(http.delete("/v1/stores/s/kv/existing?prefix=true"), 400, "UNKNOWN_PARAMETER");
        expect(http.post("/v1/stores/s/txn?dryRun=true", "{\"then\":[{\"op\":\"delete\",\"key\":\"existing\"}]}"),
                400, "UNKNOWN_PARAMETER");
        expect(http.get("/v1/stores/s/kv?prefix=a&prefix=b"), 400, "INVALID_PARAMETER");
        expect(http.get("/v1/stores/s/kv?prefix=a&limit=1&limit=2"), 400, "INVALID_PARAMETER");
        expect(http.get("/v1/stores?scope=bogus"), 400, "INVALID_PARAMETER");
        expect(http.put("/v1/stores/t?partitions=3", ""), 400, "UNKNOWN_PARAMETER");
        expect(http.delete("/v1/stores/s?force=true"), 400, "UNKNOWN_PARAMETER");
        expect(http.get("/v1/stores/s/watch?key=a&snapshot=yes"), 400, "INVALID_PARAMETER");
        expect(http.get("/v1/stores/s/watch?key=a&prevValue=1"), 400, "INVALID_PARAMETER");
        expect(http.get("/v1/stores/s/watch?key=a&key=b"), 400, "INVALID_PARAMETER");
        expect(http.get("/v1/stores/s/watch?key=a&from=3"), 400, "UNKNOWN_PARAMETER");
        assertThat(http.get("/v1/stores/t").status()).isEqualTo(404);
    }

    private static void expect(DkvHttp.RawResponse response, int status, String code) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.headers()).as(response.headers()).containsIgnoringCase("content-type: application/json");
        assertThat(response.code()).as(response.toString()).isEqualTo(code);
        assertThat(response.json().getString("message")).isNotBlank();
    }

    private static void expect(DkvHttp.Response response, int status, String code) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.code()).as(response.toString()).isEqualTo(code);
        assertThat(response.json().getString("message")).isNotBlank();
    }
}
