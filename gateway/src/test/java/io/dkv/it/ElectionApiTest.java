package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Leader election end to end on one instance: campaign, leader, observe, proclaim, resign, fencing, bad input. */
class ElectionApiTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MAX_CANDIDATES = 4;

    private static DkvServer server;
    private static DkvHttp http;

    @BeforeAll
    static void start() {
        DkvConfig config = TestDkv.config();
        config.leaseMinTtlMs = 500;
        config.maxCandidatesPerElection = MAX_CANDIDATES;
        config.maxValueBytes = 1024;
        server = TestDkv.start(config);
        http = new DkvHttp(server.port());
        assertThat(http.put("/v1/stores/e", "").status()).isEqualTo(201);
        assertThat(http.put("/v1/stores/other", "").status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theFirstCandidateLeadsAndResignHandsOverToTheNextAtOnce() throws Exception {
        String first = grant("e", 60_000);
        String second = grant("e", 60_000);
        JsonObject won = campaign("order", first, "one", 0);
        assertThat(won.getBoolean("leader")).isTrue();
        long firstToken = won.getLong("token");
        JsonObject queued = campaign("order", second, "two", 0);
        assertThat(queued.getBoolean("leader")).isFalse();
        assertThat(queued.getInteger("position")).isEqualTo(1);

        JsonObject leader = http.get("/v1/stores/e/elections/order/leader").json();
        assertThat(leader.getString("value")).isEqualTo("one");
        assertThat(leader.getString("lease")).isEqualTo(first);
        assertThat(leader.getLong("token")).isEqualTo(firstToken);
        assertThat(leader.getInteger("candidates")).isEqualTo(2);

        try (SseClient observe = SseClient.open(server.port(), "/v1/stores/e/elections/order/observe")) {
            SseClient.Message current = observe.nextChange(WAIT);
            assertThat(current.event()).isEqualTo("leader");
            assertThat(current.data().getLong("token")).isEqualTo(firstToken);

            CompletableFuture<JsonObject> waiting = CompletableFuture.supplyAsync(() -> campaign("order", second, "two", 30_000));
            DkvHttp.Response resigned = http.post("/v1/stores/e/elections/order/resign", new JsonObject().put("lease", first).encode());
            assertThat(resigned.status()).as(resigned.toString()).isEqualTo(200);

            JsonObject elected = waiting.get(20, TimeUnit.SECONDS);
            assertThat(elected.getBoolean("leader")).isTrue();
            assertThat(elected.getLong("token")).isGreaterThan(firstToken);
            SseClient.Message next = observe.nextChange(WAIT);
            assertThat(next.event()).isEqualTo("leader");
            assertThat(next.data().getString("value")).isEqualTo("two");
            assertThat(next.data().getLong("token")).isEqualTo(elected.getLong("token"));
            assertThat(next.revision()).as("the next leader leads at the resign's revision").isEqualTo(resigned.json().getLong("revision"));

            assertThat(http.post("/v1/stores/e/elections/order/resign", new JsonObject().put("lease", second).encode()).status()).isEqualTo(200);
            assertThat(observe.nextChange(WAIT).event()).isEqualTo("no-leader");
        }
        assertThat(http.get("/v1/stores/e/elections/order/leader").code()).isEqualTo("ELECTION_NOT_FOUND");
    }

    @Test
    void onlyTheLeaderProclaims() throws Exception {
        String leader = grant("e", 60_000);
        String follower = grant("e", 60_000);
        long token = campaign("proclaim", leader, "v1", 0).getLong("token");
        campaign("proclaim", follower, "f", 0);
        try (SseClient observe = SseClient.open(server.port(), "/v1/stores/e/elections/proclaim/observe")) {
            assertThat(observe.nextChange(WAIT).data().getString("value")).isEqualTo("v1");
            DkvHttp.Response proclaimed = http.post("/v1/stores/e/elections/proclaim/proclaim",
                    new JsonObject().put("lease", leader).put("token", token).put("value", "v2").encode());
            assertThat(proclaimed.status()).as(proclaimed.toString()).isEqualTo(200);
            SseClient.Message changed = observe.nextChange(WAIT);
            assertThat(changed.data().getString("value")).isEqualTo("v2");
            assertThat(changed.data().getLong("token")).as("a proclaim keeps the token").isEqualTo(token);
        }
        long revision = http.get("/v1/stores/e").json().getLong("revision");
        assertThat(http.post("/v1/stores/e/elections/proclaim/proclaim", new JsonObject().put("lease", follower).put("value", "mine").encode()).code())
                .isEqualTo("NOT_LEADER");
        assertThat(http.post("/v1/stores/e/elections/proclaim/proclaim",
                new JsonObject().put("lease", leader).put("token", token - 1).put("value", "old").encode()).code()).isEqualTo("NOT_LEADER");
        assertThat(http.get("/v1/stores/e/elections/proclaim/leader").json().getString("value")).isEqualTo("v2");
        assertThat(http.get("/v1/stores/e").json().getLong("revision")).isEqualTo(revision);
    }

    @Test
    void aLeaderWhoseLeaseLapsedCannotWriteFencedAndTheNextCandidateLeads() throws Exception {
        String stale = grant("e", 700);
        String next = grant("e", 60_000);
        JsonObject old = campaign("fenced", stale, "old", 0);
        assertThat(old.getBoolean("leader")).isTrue();
        assertThat(fencedWrite(old, "by-old-leader").getBoolean("succeeded")).as("the leader's guarded write applies").isTrue();

        JsonObject elected = campaign("fenced", next, "new", 20_000);
        assertThat(elected.getBoolean("leader")).as("elected once the old leader's lease expired").isTrue();
        assertThat(elected.getLong("token")).isGreaterThan(old.getLong("token"));

        JsonObject rejected = fencedWrite(old, "stale-write");
        assertThat(rejected.getBoolean("succeeded")).isFalse();
        assertThat(http.get("/v1/stores/e/kv/fenced-resource").text()).isEqualTo("by-old-leader");
        assertThat(fencedWrite(elected, "by-new-leader").getBoolean("succeeded")).isTrue();
    }

    @Test
    void aWaitingCandidateWhoseLeaseEndsLeavesTheQueue() {
        String leader = grant("e", 60_000);
        String dying = grant("e", 600);
        campaign("queue", leader, "l", 0);
        DkvHttp.Response waited = http.post("/v1/stores/e/elections/queue/campaign",
                new JsonObject().put("lease", dying).put("value", "d").put("waitMs", 20_000).encode());
        assertThat(waited.code()).isEqualTo("NOT_CANDIDATE");
        assertThat(http.get("/v1/stores/e/elections/queue/leader").json().getInteger("candidates")).isEqualTo(1);
    }

    @Test
    void aWaitThatEndsAnswersWithThePositionAndKeepsTheCandidacy() {
        String leader = grant("e", 60_000);
        String patient = grant("e", 60_000);
        campaign("patience", leader, "l", 0);
        long started = System.nanoTime();
        JsonObject answer = campaign("patience", patient, "p", 300);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(answer.getBoolean("leader")).isFalse();
        assertThat(answer.getInteger("position")).isEqualTo(1);
        assertThat(http.get("/v1/stores/e/elections/patience/leader").json().getInteger("candidates")).isEqualTo(2);
    }

    @Test
    void badElectionRequestsAreRefusedAndChangeNothing() {
        String lease = grant("e", 60_000);
        String otherStores = grant("other", 60_000);
        for (int i = 0; i < MAX_CANDIDATES; i++) {
            campaign("full", grant("e", 60_000), "c" + i, 0);
        }
        long revision = http.get("/v1/stores/e").json().getLong("revision");
        String campaign = "/v1/stores/e/elections/bad/campaign";
        assertThat(http.post("/v1/stores/e/elections/bad%20name/campaign", body(lease, "x")).code()).isEqualTo("INVALID_ELECTION");
        assertThat(http.post(campaign, "{\"lease\": ").code()).isEqualTo("INVALID_JSON");
        assertThat(http.post(campaign, "").code()).isEqualTo("INVALID_JSON");
        assertThat(http.post(campaign, "{\"value\": \"x\"}").code()).isEqualTo("INVALID_LEASE");
        assertThat(http.post(campaign, new JsonObject().put("lease", lease).put("colour", "red").encode()).code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post(campaign, new JsonObject().put("lease", lease).put("waitMs", -1).encode()).code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post(campaign, new JsonObject().put("lease", lease).put("waitMs", 10_000_000).encode()).code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post(campaign, body("12345", "x")).code()).isEqualTo("LEASE_NOT_FOUND");
        assertThat(http.post(campaign, body(otherStores, "x")).code()).as("a lease belongs to one store").isEqualTo("LEASE_NOT_FOUND");
        assertThat(http.post(campaign, body(lease, "x".repeat(2000))).code()).isEqualTo("VALUE_TOO_LARGE");
        assertThat(http.post("/v1/stores/missing/elections/bad/campaign", body(lease, "x")).code()).isEqualTo("STORE_NOT_FOUND");
        assertThat(http.post("/v1/stores/e/elections/full/campaign", body(lease, "x")).code()).isEqualTo("TOO_MANY_CANDIDATES");
        assertThat(http.get("/v1/stores/e/elections/bad/leader").code()).isEqualTo("ELECTION_NOT_FOUND");
        assertThat(http.post("/v1/stores/e/elections/bad/proclaim", body(lease, "x")).code()).isEqualTo("ELECTION_NOT_FOUND");
        assertThat(http.post("/v1/stores/e/elections/bad/resign", new JsonObject().put("lease", lease).encode()).code()).isEqualTo("NOT_CANDIDATE");
        assertThat(http.post("/v1/stores/e/elections/full/resign", new JsonObject().put("lease", lease).put("token", "x").encode()).code())
                .isEqualTo("INVALID_REQUEST");
        assertThat(http.get("/v1/stores/e").json().getLong("revision")).as("nothing was written").isEqualTo(revision);
        assertThat(http.get("/v1/stores/e/elections/full/leader").json().getInteger("candidates")).isEqualTo(MAX_CANDIDATES);
    }

    private static JsonObject fencedWrite(JsonObject leadership, String value) {
        JsonObject txn = new JsonObject()
                .put("compare", new JsonArray().add(new JsonObject().put("key", leadership.getString("key"))
                        .put("target", "createRevision").put("op", "==").put("value", leadership.getLong("token"))))
                .put("then", new JsonArray().add(new JsonObject().put("op", "put").put("key", "fenced-resource").put("value", value)));
        DkvHttp.Response response = http.post("/v1/stores/e/txn", txn.encode());
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static JsonObject campaign(String election, String lease, String value, long waitMs) {
        DkvHttp.Response response = http.post("/v1/stores/e/elections/" + election + "/campaign",
                new JsonObject().put("lease", lease).put("value", value).put("waitMs", waitMs).encode());
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static String body(String lease, String value) {
        return new JsonObject().put("lease", lease).put("value", value).encode();
    }

    static String grant(String store, long ttlMs) {
        DkvHttp.Response granted = http.post("/v1/stores/" + store + "/leases", "{\"ttlMs\": " + ttlMs + "}");
        assertThat(granted.status()).as(granted.toString()).isEqualTo(201);
        return granted.json().getString("id");
    }
}
