package io.dkv.it;

import static io.dkv.it.SecuredDkv.STORE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every operation of the OpenAPI document, taken from the document itself so that a new route
 * cannot be left out, against the secured DKV ({@link SecuredDkv}): without credentials → 401
 * UNAUTHENTICATED, with a bad token → 401 INVALID_CREDENTIALS (both with WWW-Authenticate), with a
 * principal that has every action but the route's → 403, with the route's action on another store
 * or another prefix only → 403, and with the grant → success. After every refused call the store's
 * revision and key count are what they were.
 */
class SecurityMatrixTest {
    private static DkvHttp https;
    private static String leaseId;
    private static String electionLease;
    /** A well-formed handle until the acquire of the success run gives the real one. */
    private static String lockHandle = "1.0123456789abcdef";

    /** One valid request of an operation; path, body and headers may depend on what earlier successes made. */
    private record Sample(String path, Supplier<String> body, Supplier<String[]> headers, boolean stream) {
        static Sample of(String path) {
            return new Sample(path, () -> null, () -> new String[0], false);
        }

        static Sample body(String path, String body) {
            return new Sample(path, () -> body, () -> new String[0], false);
        }
    }

    @BeforeAll
    static void setUp() {
        https = SecuredDkv.https(false);
        String[] admin = SecuredDkv.bearer("admin");
        assertThat(https.put("/v1/stores/" + STORE, "", admin).status()).isIn(200, 201);
        assertThat(https.put("/v1/stores/" + SecuredDkv.OTHER_STORE, "", admin).status()).isIn(200, 201);
        assertThat(https.put("/v1/stores/" + STORE + "/kv/a:1", "v1", admin).status()).isIn(200, 201);
        leaseId = https.post("/v1/stores/" + STORE + "/leases", "{\"ttlMs\": 600000}", admin).json().getString("id");
        electionLease = https.post("/v1/stores/" + STORE + "/leases", "{\"ttlMs\": 600000}", admin).json().getString("id");
    }

    /** The operations in the order their successes can run: each success leaves what the next needs. */
    private static Map<String, Sample> samples() {
        String s = "/v1/stores/" + STORE;
        Map<String, Sample> samples = new LinkedHashMap<>();
        samples.put("GET /v1/stores", Sample.of("/v1/stores"));
        samples.put("PUT /v1/stores/{store}", Sample.body(s, ""));
        samples.put("GET /v1/stores/{store}", Sample.of(s));
        samples.put("GET /v1/stores/{store}/kv", Sample.of(s + "/kv?prefix=a:"));
        samples.put("GET /v1/stores/{store}/kv/{key}", Sample.of(s + "/kv/a:1"));
        samples.put("PUT /v1/stores/{store}/kv/{key}", Sample.body(s + "/kv/a:2", "x"));
        samples.put("DELETE /v1/stores/{store}/kv/{key}", Sample.of(s + "/kv/a:2"));
        samples.put("POST /v1/stores/{store}/txn", Sample.body(s + "/txn", "{\"then\": [{\"op\": \"put\", \"key\": \"a:3\", \"value\": \"t\"}]}"));
        samples.put("POST /v1/stores/{store}/leases", Sample.body(s + "/leases", "{\"ttlMs\": 60000}"));
        samples.put("POST /v1/stores/{store}/leases/refresh", new Sample(s + "/leases/refresh",
                () -> "{\"ids\": [\"" + leaseId + "\"]}", () -> new String[0], false));
        samples.put("GET /v1/stores/{store}/leases", Sample.of(s + "/leases"));
        samples.put("GET /v1/stores/{store}/leases/keepalive", Sample.of(s + "/leases/keepalive"));
        samples.put("GET /v1/stores/{store}/leases/{id}", new Sample(s + "/leases/" + leaseId, () -> null, () -> new String[0], false));
        samples.put("POST /v1/stores/{store}/leases/{id}/refresh", new Sample(s + "/leases/" + leaseId + "/refresh", () -> "",
                () -> new String[0], false));
        samples.put("POST /v1/stores/{store}/locks/{key}", Sample.body(s + "/locks/a:lock", "{\"ttlMs\": 60000}"));
        samples.put("GET /v1/stores/{store}/locks/{key}", Sample.of(s + "/locks/a:lock"));
        samples.put("POST /v1/stores/{store}/locks/{key}/refresh", new Sample(s + "/locks/a:lock/refresh", () -> "",
                () -> new String[] {"DKV-Lock", lockHandle}, false));
        samples.put("DELETE /v1/stores/{store}/locks/{key}", new Sample(s + "/locks/a:lock", () -> null,
                () -> new String[] {"DKV-Lock", lockHandle}, false));
        samples.put("POST /v1/stores/{store}/elections/{name}/campaign", new Sample(s + "/elections/a:e/campaign",
                () -> "{\"lease\": \"" + electionLease + "\", \"value\": \"x\"}", () -> new String[0], false));
        samples.put("GET /v1/stores/{store}/elections/{name}/leader", Sample.of(s + "/elections/a:e/leader"));
        samples.put("GET /v1/stores/{store}/elections/{name}/observe", new Sample(s + "/elections/a:e/observe", () -> null,
                () -> new String[0], true));
        samples.put("POST /v1/stores/{store}/elections/{name}/proclaim", new Sample(s + "/elections/a:e/proclaim",
                () -> "{\"lease\": \"" + electionLease + "\", \"value\": \"y\"}", () -> new String[0], false));
        samples.put("POST /v1/stores/{store}/elections/{name}/resign", new Sample(s + "/elections/a:e/resign",
                () -> "{\"lease\": \"" + electionLease + "\"}", () -> new String[0], false));
        samples.put("GET /v1/stores/{store}/watch", new Sample(s + "/watch?prefix=a:", () -> null, () -> new String[0], true));
        samples.put("GET /v1/stores/{store}/ws", Sample.of(s + "/ws"));
        samples.put("DELETE /v1/stores/{store}/leases/{id}", new Sample(s + "/leases/" + leaseId, () -> null, () -> new String[0], false));
        samples.put("GET /health", Sample.of("/health"));
        samples.put("GET /ready", Sample.of("/ready"));
        samples.put("GET /openapi.yaml", Sample.of("/openapi.yaml"));
        samples.put("GET /metrics", Sample.of("/metrics"));
        samples.put("DELETE /v1/stores/{store}", Sample.of(s));
        return samples;
    }

    @Test
    void everyOperationRefusesWhoMayNotAndServesWhoMay() throws Exception {
        Map<String, String> actions = documentedActions();
        Map<String, Sample> samples = samples();
        assertThat(samples.keySet()).as("a sample request for every operation of /openapi.yaml")
                .containsExactlyInAnyOrderElementsOf(actions.keySet());

        for (Map.Entry<String, Sample> entry : samples.entrySet()) {
            String operation = entry.getKey();
            String action = actions.get(operation);
            if (action.equals("public")) {
                continue;
            }
            for (Refusal refusal : refusals(action)) {
                if (operation.endsWith("/ws") && refusal.status() == 403) {
                    continue;
                }
                JsonObject before = storeState();
                DkvHttp.Response response = call(operation, entry.getValue(), refusal.credentials());
                assertThat(response.status()).as("%s %s", operation, refusal.what()).isEqualTo(refusal.status());
                assertThat(response.code()).as("%s %s", operation, refusal.what()).isEqualTo(refusal.code());
                if (refusal.status() == 401) {
                    assertThat(response.header("WWW-Authenticate")).as("%s %s", operation, refusal.what()).startsWith("Bearer realm=\"dkv\"");
                }
                assertThat(storeState()).as("%s %s changed nothing", operation, refusal.what()).isEqualTo(before);
            }
            if (operation.endsWith("/ws")) {
                webSocketWatchRefusedWithoutGrant();
            }
        }

        for (Map.Entry<String, Sample> entry : samples.entrySet()) {
            String operation = entry.getKey();
            String principal = grantedPrincipal(actions.get(operation));
            DkvHttp.Response response = operation.endsWith("/ws") || operation.endsWith("/keepalive") ? null
                    : call(operation, entry.getValue(), principal == null ? new String[0] : SecuredDkv.bearer(principal));
            if (operation.endsWith("/ws")) {
                assertThat(webSocketWatch("watch-key", "a:")).as("ws watch with the grant").isEqualTo("created");
                continue;
            }
            if (operation.endsWith("/keepalive")) {
                assertThat(firstAnswer(principal, "/leases/keepalive", new JsonObject().put("id", leaseId)))
                        .as("a keep-alive frame with the grant").isEqualTo("refreshed");
                continue;
            }
            assertThat(response.status()).as("%s as %s: %s", operation, principal, response).isBetween(200, 299);
            if (operation.equals("POST /v1/stores/{store}/locks/{key}")) {
                lockHandle = response.json().getString("handle");
            }
        }
    }

    @Test
    void theStoreListShowsOnlyStoresThePrincipalHasGrantsOn() {
        JsonObject listed = https.get("/v1/stores", SecuredDkv.bearer("read-other-store")).json();
        List<String> names = new ArrayList<>();
        listed.getJsonArray("stores").forEach(store -> names.add(((JsonObject) store).getString("name")));
        assertThat(names).contains(SecuredDkv.OTHER_STORE).doesNotContain(STORE);
    }

    @Test
    void aTransactionNeedsReadOnEveryCompareAndWriteOnEveryOpOfBothBranches() {
        String txn = "/v1/stores/" + STORE + "/txn";
        JsonObject before = storeState();
        // write under a: only: the compare reads a:1 → 403; an else branch writing b:1 → 403.
        assertThat(https.post(txn, "{\"compare\": [{\"key\": \"a:1\", \"target\": \"version\", \"op\": \">\", \"value\": 0}],"
                + " \"then\": [{\"op\": \"put\", \"key\": \"a:4\", \"value\": \"t\"}]}", SecuredDkv.bearer("write-key")).code())
                .isEqualTo("FORBIDDEN");
        assertThat(https.post(txn, "{\"then\": [{\"op\": \"put\", \"key\": \"a:4\", \"value\": \"t\"}],"
                + " \"else\": [{\"op\": \"put\", \"key\": \"b:1\", \"value\": \"t\"}]}", SecuredDkv.bearer("write-key")).code())
                .isEqualTo("FORBIDDEN");
        assertThat(https.post(txn, "{\"then\": [{\"op\": \"get\", \"key\": \"a:1\"}]}", SecuredDkv.bearer("write-key")).code())
                .isEqualTo("FORBIDDEN");
        assertThat(storeState()).isEqualTo(before);
    }

    private record Refusal(String what, String[] credentials, int status, String code) {
    }

    private static List<Refusal> refusals(String action) {
        List<Refusal> refusals = new ArrayList<>();
        refusals.add(new Refusal("without credentials", new String[0], 401, "UNAUTHENTICATED"));
        refusals.add(new Refusal("with a bad token", new String[] {"Authorization", "Bearer not-a-token"}, 401, "INVALID_CREDENTIALS"));
        if (action.equals("authenticated")) {
            return refusals;
        }
        if (action.equals("any")) {
            refusals.add(new Refusal("with grants on another store only", SecuredDkv.bearer("read-other-store"), 403, "FORBIDDEN"));
            return refusals;
        }
        refusals.add(new Refusal("with every action but " + action, SecuredDkv.bearer("all-but-" + action), 403, "FORBIDDEN"));
        refusals.add(new Refusal("with " + action + " on another store", SecuredDkv.bearer(action + "-other-store"), 403, "FORBIDDEN"));
        if (action.equals("metrics")) {
            refusals.add(new Refusal("with metrics on one store", SecuredDkv.bearer("metrics-store"), 403, "FORBIDDEN"));
        } else {
            refusals.add(new Refusal("with " + action + " under another prefix", SecuredDkv.bearer(action + "-other-prefix"), 403, "FORBIDDEN"));
        }
        return refusals;
    }

    /** Who may: key actions under "a:", store actions on the whole store, metrics everywhere. */
    private static String grantedPrincipal(String action) {
        return switch (action) {
            case "public" -> null;
            case "authenticated", "any" -> "read-key";
            case "lease", "admin" -> action + "-store";
            case "metrics" -> "metrics-everywhere";
            default -> action + "-key";
        };
    }

    private static DkvHttp.Response call(String operation, Sample sample, String[] credentials) {
        String method = operation.substring(0, operation.indexOf(' '));
        String[] headers = concat(sample.headers().get(), credentials);
        if (sample.stream()) {
            return https.openStream(sample.path(), headers);
        }
        return switch (method) {
            case "GET" -> https.get(sample.path(), headers);
            case "DELETE" -> https.delete(sample.path(), headers);
            case "PUT" -> https.put(sample.path(), sample.body().get(), headers);
            case "POST" -> https.post(sample.path(), sample.body().get() == null ? "" : sample.body().get(), headers);
            default -> throw new IllegalArgumentException(method);
        };
    }

    /**
     * The socket needs a watch or elect grant on the store; on an open socket each watch needs its own
     * grant: without it the frame is refused.
     */
    private static void webSocketWatchRefusedWithoutGrant() throws Exception {
        assertThat(https.get("/v1/stores/" + STORE + "/ws", SecuredDkv.bearer("read-key")).code())
                .as("no socket for a principal with nothing to watch or observe there").isEqualTo("FORBIDDEN");
        assertThat(webSocketWatch("all-but-watch", "a:")).isEqualTo("error FORBIDDEN");
        assertThat(webSocketWatch("watch-other-prefix", "a:")).isEqualTo("error FORBIDDEN");
        assertThat(webSocketWatch("watch-key", "")).as("the whole store is more than a:").isEqualTo("error FORBIDDEN");
    }

    /** Opens the store's WebSocket as {@code principal}, asks to watch {@code prefix}, and returns the first answer. */
    static String webSocketWatch(String principal, String prefix) throws Exception {
        return firstAnswer(principal, "/ws", new JsonObject().put("type", "watch").put("id", "w").put("prefix", prefix));
    }

    /** Opens the store's WebSocket at {@code path} as {@code principal}, sends {@code frame}, and returns the first answer's type (and code). */
    private static String firstAnswer(String principal, String path, JsonObject frame) throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        HttpClient client = SecuredDkv.client(false, HttpClient.Version.HTTP_1_1);
        WebSocket ws = client.newWebSocketBuilder().header("Authorization", "Bearer " + SecuredDkv.token(principal))
                .buildAsync(URI.create("wss://localhost:" + SecuredDkv.port() + "/v1/stores/" + STORE + path), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        JsonObject frame = new JsonObject(data.toString());
                        first.complete(frame.getString("type").equals("error") ? "error " + frame.getString("code") : frame.getString("type"));
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            ws.sendText(frame.encode(), true);
            return first.get(10, TimeUnit.SECONDS);
        } finally {
            ws.abort();
        }
    }

    private static JsonObject storeState() {
        JsonObject store = https.get("/v1/stores/" + STORE, SecuredDkv.bearer("admin")).json();
        return new JsonObject().put("revision", store.getLong("revision")).put("keys", store.getLong("keys"));
    }

    /** "METHOD /path" → x-dkv-action of every operation in the served document. */
    private static Map<String, String> documentedActions() throws Exception {
        JsonNode document;
        try (InputStream in = SecurityMatrixTest.class.getResourceAsStream("/openapi.yaml")) {
            document = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        Map<String, String> actions = new LinkedHashMap<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
            if (List.of("get", "put", "post", "delete").contains(operation.getKey())) {
                actions.put(operation.getKey().toUpperCase() + " " + path.getKey(), operation.getValue().path("x-dkv-action").asText());
            }
        }));
        return actions;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
