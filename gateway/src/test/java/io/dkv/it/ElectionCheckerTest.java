package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An election checker: five candidates campaign on one election; whenever one is elected it writes
 * under its token, then either resigns or "crashes" (stops refreshing its lease) and, once its lease
 * has lapsed, tries one more fenced write; then it campaigns again with a new lease. Over at least
 * 50 failovers, from the {@code observe} stream, an independent watch of the candidates' keys, and
 * the candidates' own answers:
 * <ul>
 *   <li>tokens strictly increase and each leadership was answered to exactly one candidate, its holder;
 *   <li>at every revision the leader is the candidate whose key was created first among those that
 *       exist (so the next leader is the next candidate in order, at the revision the last one left,
 *       and there are never two);
 *   <li>every fenced write of a sitting leader applies, and every fenced write of a leader whose lease lapsed is rejected.
 * </ul>
 */
class ElectionCheckerTest {
    private static final int CANDIDATES = 5;
    private static final int FAILOVERS = 50;
    private static final long TTL_MS = 1_000;
    private static final Duration WAIT = Duration.ofSeconds(20);

    private record Won(int candidate, String lease, long token) {
    }

    @Test
    void leadershipIsExclusiveOrderedAndFenced() throws Exception {
        DkvConfig config = TestDkv.config();
        config.leaseMinTtlMs = 300;
        config.watchProgressMs = 500;
        try (DkvServer server = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/chk", "").status()).isEqualTo(201);
            Queue<Won> won = new ConcurrentLinkedQueue<>();
            Queue<String> violations = new ConcurrentLinkedQueue<>();
            AtomicInteger staleRejected = new AtomicInteger();
            AtomicInteger resigned = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Map<Integer, String> currentLeases = new ConcurrentHashMap<>();
            Set<String> refreshed = ConcurrentHashMap.newKeySet();
            ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor();
            refresher.scheduleAtFixedRate(() -> refreshed.forEach(lease -> {
                try {
                    http.post("/v1/stores/chk/leases/" + lease + "/refresh", "");
                } catch (RuntimeException e) {
                    violations.add("refresh failed: " + e);
                }
            }), 0, TTL_MS / 6, TimeUnit.MILLISECONDS);

            try (SseClient observe = SseClient.open(server.port(), "/v1/stores/chk/elections/job/observe");
                    SseClient keys = SseClient.open(server.port(), "/v1/stores/chk/watch?prefix=_elections/job/&snapshot=true")) {
                assertThat(keys.until("snapshot-end", WAIT)).hasSize(1);
                ExecutorService candidates = Executors.newFixedThreadPool(CANDIDATES);
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < CANDIDATES; c++) {
                    int candidate = c;
                    running.add(candidates.submit(() -> {
                        while (!stop.get()) {
                            String lease = grant(http);
                            currentLeases.put(candidate, lease);
                            refreshed.add(lease);
                            JsonObject answer;
                            do {
                                DkvHttp.Response response = http.post("/v1/stores/chk/elections/job/campaign",
                                        new JsonObject().put("lease", lease).put("value", "c" + candidate).put("waitMs", 30_000).encode());
                                if (response.status() != 200) {
                                    if (!stop.get()) {
                                        violations.add("candidate " + candidate + " campaign: " + response);
                                    }
                                    return null;
                                }
                                answer = response.json();
                            } while (!answer.getBoolean("leader") && !stop.get());
                            long token = answer.getLong("token");
                            if (answer.getBoolean("leader")) {
                                won.add(new Won(candidate, lease, token));
                            }
                            if (stop.get()) {
                                return null;
                            }
                            // A leader whose refreshes fell behind on a loaded machine lost its lease: its write
                            // and its resign are then rightly refused, and only a live lease makes that a violation.
                            if (!fencedWrite(http, answer, "c" + candidate + "@" + token) && leaseLives(http, lease)) {
                                violations.add("the sitting leader " + candidate + " (token " + token + ") could not write");
                            }
                            if (ThreadLocalRandom.current().nextBoolean()) {
                                DkvHttp.Response resign = http.post("/v1/stores/chk/elections/job/resign",
                                        new JsonObject().put("lease", lease).put("token", token).encode());
                                if (resign.status() != 200 && leaseLives(http, lease)) {
                                    violations.add("resign of " + candidate + ": " + resign);
                                }
                                resigned.incrementAndGet();
                                refreshed.remove(lease);
                            } else {
                                refreshed.remove(lease);
                                String key = answer.getString("key");
                                await().atMost(WAIT).until(() -> http.get("/v1/stores/chk/kv/" + key).status() == 404);
                                if (fencedWrite(http, answer, "stale c" + candidate + "@" + token)) {
                                    violations.add("the old leader " + candidate + " (token " + token + ") wrote after its lease lapsed");
                                } else {
                                    staleRejected.incrementAndGet();
                                }
                            }
                        }
                        return null;
                    }));
                }
                await().atMost(Duration.ofMinutes(4)).until(() -> won.size() > FAILOVERS + CANDIDATES || !violations.isEmpty());
                stop.set(true);
                currentLeases.values().forEach(lease -> http.delete("/v1/stores/chk/leases/" + lease));
                for (Future<?> candidate : running) {
                    candidate.get(60, TimeUnit.SECONDS);
                }
                candidates.shutdown();
                refresher.shutdownNow();
                assertThat(violations).isEmpty();

                List<Won> answers = new ArrayList<>(won);
                assertThat(answers.size() - CANDIDATES).as("failovers before the end").isGreaterThanOrEqualTo(FAILOVERS);
                assertThat(staleRejected.get()).as("stale fenced writes tried and rejected").isPositive();
                assertThat(resigned.get()).isPositive();

                long lastRevision = http.get("/v1/stores/chk").json().getLong("revision");
                List<long[]> observed = leaderships(observe, lastRevision);
                List<long[]> expected = leadershipsFromKeys(keys, lastRevision);
                assertThat(observed).as("observe agrees with the lowest creation revision at every revision")
                        .usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(expected);
                List<Long> tokens = observed.stream().map(o -> o[1]).filter(token -> token != 0).toList();
                for (int i = 1; i < tokens.size(); i++) {
                    assertThat(tokens.get(i)).as("tokens strictly increase").isGreaterThan(tokens.get(i - 1));
                }
                assertThat(answers.stream().map(Won::token).toList()).as("each leadership answered to one candidate")
                        .doesNotHaveDuplicates().isSubsetOf(tokens);
                assertThat(tokens).as("every leader heard that it leads").containsExactlyElementsOf(answers.stream().map(Won::token).sorted().toList());
            }
        }
    }

    /** The observe stream up to {@code lastRevision} as (revision, token) pairs; a no-leader is token 0. */
    private static List<long[]> leaderships(SseClient observe, long lastRevision) throws InterruptedException {
        List<long[]> out = new ArrayList<>();
        long revision = 0;
        while (revision < lastRevision) {
            SseClient.Message message = observe.next(WAIT);
            if (message.event().equals("progress") || (out.isEmpty() && message.event().equals("no-leader"))) {
                revision = message.revision();
                continue;
            }
            revision = message.revision();
            out.add(new long[] {revision, message.event().equals("leader") ? message.data().getLong("token") : 0});
        }
        return out;
    }

    /** The leader after each change of the candidates' keys, computed here: the lowest creation revision. */
    private static List<long[]> leadershipsFromKeys(SseClient keys, long lastRevision) throws InterruptedException {
        List<long[]> out = new ArrayList<>();
        Map<String, Long> created = new HashMap<>();
        long leader = 0;
        long revision = 0;
        while (revision < lastRevision) {
            SseClient.Message message = keys.next(WAIT);
            revision = message.revision();
            if (message.event().equals("put")) {
                created.put(message.key(), message.data().getLong("createRevision"));
            } else if (message.event().equals("delete")) {
                created.remove(message.key());
            } else {
                continue;
            }
            long now = created.values().stream().mapToLong(Long::longValue).min().orElse(0);
            if (now != leader) {
                if (!out.isEmpty() && out.get(out.size() - 1)[0] == revision) {
                    out.remove(out.size() - 1);
                }
                out.add(new long[] {revision, now});
                leader = now;
            }
        }
        return out;
    }

    private static boolean fencedWrite(DkvHttp http, JsonObject leadership, String value) {
        JsonObject txn = new JsonObject()
                .put("compare", new JsonArray().add(new JsonObject().put("key", leadership.getString("key"))
                        .put("target", "createRevision").put("op", "==").put("value", leadership.getLong("token"))))
                .put("then", new JsonArray().add(new JsonObject().put("op", "put").put("key", "resource").put("value", value)));
        DkvHttp.Response response = http.post("/v1/stores/chk/txn", txn.encode());
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json().getBoolean("succeeded");
    }

    private static boolean leaseLives(DkvHttp http, String lease) {
        return http.get("/v1/stores/chk/leases/" + lease).status() == 200;
    }

    private static String grant(DkvHttp http) {
        DkvHttp.Response granted = http.post("/v1/stores/chk/leases", "{\"ttlMs\": " + TTL_MS + "}");
        assertThat(granted.status()).as(granted.toString()).isEqualTo(201);
        return granted.json().getString("id");
    }
}
