package io.dkv.bench;

import io.dkv.bench.BenchSystems.Endpoint;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Leader-election failover, DKV beside etcd 3.4 (its /v3 JSON gateway: lease grant and keepalive,
 * election campaign and resign), each system started alone on a fresh data directory, measured,
 * stopped, alternately for {@code --rounds}. Two candidates keep their leases alive every TTL/3; one
 * leads, the other waits in a blocking campaign.
 * <ul>
 *   <li>crash: the leader stops refreshing; the failover is the time from its last refresh's send
 *       to the moment the waiting candidate's campaign answers that it leads (the lease's TTL is the
 *       floor: it promises the lease that long after the last refresh);
 *   <li>resign: the leader resigns; the handover is from the resign's send to the next leader's answer.
 * </ul>
 * After each failover the old leader joins again with a new lease, behind the new one.
 */
@Command(name = "election-benchmark", mixinStandardHelpOptions = true)
public final class ElectionBenchmark implements Callable<Integer> {
    @Option(names = "--dkv-command", defaultValue = "bin/dkv")
    String dkvCommand;

    @Option(names = "--etcd-command", defaultValue = "etcd", description = "or 'none' to measure DKV only")
    String etcdCommand;

    @Option(names = "--dkv-port", defaultValue = "7861")
    int dkvPort;

    @Option(names = "--kafka-port", defaultValue = "19092")
    int kafkaPort;

    @Option(names = "--etcd-port", defaultValue = "2379")
    int etcdPort;

    @Option(names = "--rounds", defaultValue = "2")
    int rounds;

    @Option(names = "--failovers", defaultValue = "50", description = "crash failovers per system and round (as many resigns)")
    int failovers;

    @Option(names = "--ttl-s", defaultValue = "2", description = "lease TTL, whole seconds (etcd's unit)")
    int ttlSeconds;

    @Option(names = "--work-dir")
    Path workDir;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One system's election API, blocking calls. */
    private interface Election {
        String grant(int ttlSeconds) throws Exception;

        void refresh(String lease) throws Exception;

        /** Blocks until the lease's candidate leads; returns what resign needs. */
        JsonObject campaign(String lease, String value) throws Exception;

        void resign(String lease, JsonObject leadership) throws Exception;

        int candidates() throws Exception;
    }

    private record Result(String system, int round, long ttlMs, Histogram crashMicros, Histogram resignMicros) {
        String row() {
            return String.format("| %d | %s | %d | %.0f | %.0f | %.0f | %.0f | %d | %.1f | %.1f | %.1f |", round, system,
                    crashMicros.getTotalCount(), crashMicros.getValueAtPercentile(50) / 1000.0, crashMicros.getValueAtPercentile(99) / 1000.0,
                    crashMicros.getMaxValue() / 1000.0, crashMicros.getValueAtPercentile(50) / 1000.0 - ttlMs,
                    resignMicros.getTotalCount(), resignMicros.getValueAtPercentile(50) / 1000.0,
                    resignMicros.getValueAtPercentile(99) / 1000.0, resignMicros.getMaxValue() / 1000.0);
        }
    }

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("dkv-election-benchmark");
        Vertx vertx = Vertx.vertx();
        boolean withEtcd = !etcdCommand.equals("none");
        List<Result> results = new ArrayList<>();
        try {
            for (int round = 1; round <= rounds; round++) {
                List<String> order = round % 2 == 1 || !withEtcd ? List.of("DKV", "etcd") : List.of("etcd", "DKV");
                for (String system : order) {
                    if (system.equals("DKV")) {
                        Endpoint dkv = new Endpoint("localhost", dkvPort);
                        Process process = BenchSystems.startDkv(vertx, dkvCommand, work.resolve("dkv-" + round), dkv, kafkaPort);
                        try {
                            post(dkv.url("/v1/stores/el"), "", "PUT");
                            results.add(measure("DKV", round, new DkvElection(dkv)));
                        } finally {
                            BenchSystems.stop(process);
                        }
                    } else if (withEtcd) {
                        Endpoint etcd = new Endpoint("127.0.0.1", etcdPort);
                        Process process = BenchSystems.startEtcd(vertx, etcdCommand, work.resolve("etcd-" + round), etcd);
                        try {
                            results.add(measure("etcd", round, new EtcdElection(etcd)));
                        } finally {
                            BenchSystems.stop(process);
                        }
                    }
                }
            }
        } finally {
            vertx.close().await();
        }
        System.out.println();
        System.out.printf("lease TTL %d s, refreshed every TTL/3; failover measured from the old leader's last refresh%n%n", ttlSeconds);
        System.out.println("| round | system | crash failovers | p50 ms | p99 ms | max ms | p50 − TTL ms | resigns | handover p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        results.forEach(r -> System.out.println(r.row()));
        for (String system : List.of("DKV", "etcd")) {
            double[] p50 = results.stream().filter(r -> r.system().equals(system))
                    .mapToDouble(r -> r.crashMicros().getValueAtPercentile(50) / 1000.0).toArray();
            double[] p99 = results.stream().filter(r -> r.system().equals(system))
                    .mapToDouble(r -> r.crashMicros().getValueAtPercentile(99) / 1000.0).toArray();
            if (p50.length > 0) {
                System.out.printf("%s crash failover, median over rounds: p50 %.0f ms, p99 %.0f ms (TTL %d ms)%n", system,
                        BenchSystems.median(p50), BenchSystems.median(p99), ttlSeconds * 1000);
            }
        }
        return 0;
    }

    private Result measure(String system, int round, Election election) throws Exception {
        System.out.printf("%s round %d: %d crash failovers and %d resigns at TTL %d s...%n", system, round, failovers, failovers, ttlSeconds);
        Map<String, Long> lastRefreshSent = new ConcurrentHashMap<>();
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor();
        refresher.scheduleAtFixedRate(() -> lastRefreshSent.keySet().forEach(lease -> {
            long sent = System.nanoTime();
            try {
                // Marked before the send: a crash taken after the mark counts from this refresh, and none is sent after it.
                if (lastRefreshSent.computeIfPresent(lease, (l, previous) -> sent) != null) {
                    election.refresh(lease);
                }
            } catch (Exception e) {
                System.out.println("  refresh failed: " + e.getMessage());
            }
        }), 0, ttlSeconds * 1000L / 3, TimeUnit.MILLISECONDS);
        Histogram crash = new Histogram(600_000_000L, 3);
        Histogram resign = new Histogram(600_000_000L, 3);
        try {
            String leaderLease = join(election, lastRefreshSent);
            JsonObject leadership = election.campaign(leaderLease, "a");
            String waitingLease = join(election, lastRefreshSent);
            CompletableFuture<JsonObject> waiting = campaignAsync(election, waitingLease, "b");
            awaitCandidates(election, 2);
            for (int i = 0; i < 2 * failovers; i++) {
                boolean crashes = i % 2 == 0;
                long from;
                if (crashes) {
                    from = lastRefreshSent.remove(leaderLease);
                } else {
                    from = System.nanoTime();
                    election.resign(leaderLease, leadership);
                    lastRefreshSent.remove(leaderLease);
                }
                leadership = waiting.get(60, TimeUnit.SECONDS);
                long micros = (System.nanoTime() - from) / 1000;
                (crashes ? crash : resign).recordValue(micros);
                String old = crashes ? "crashed" : "resigned";
                leaderLease = waitingLease;
                waitingLease = join(election, lastRefreshSent);
                waiting = campaignAsync(election, waitingLease, old + i);
                awaitCandidates(election, 2);
            }
        } finally {
            refresher.shutdownNow();
        }
        Result result = new Result(system, round, ttlSeconds * 1000L, crash, resign);
        System.out.println("  " + result.row());
        return result;
    }

    /** A new candidate's lease, kept alive from now on. */
    private String join(Election election, Map<String, Long> refreshed) throws Exception {
        String lease = election.grant(ttlSeconds);
        refreshed.put(lease, System.nanoTime());
        return lease;
    }

    private static CompletableFuture<JsonObject> campaignAsync(Election election, String lease, String value) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return election.campaign(lease, value);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Waits (not measured) until the new candidate has joined, so the next failover has someone to go to. */
    private static void awaitCandidates(Election election, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (election.candidates() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the candidate did not join within 30 s");
            }
            Thread.sleep(5);
        }
    }

    private static final class DkvElection implements Election {
        private final Endpoint dkv;

        DkvElection(Endpoint dkv) {
            this.dkv = dkv;
        }

        @Override
        public String grant(int ttlSeconds) throws Exception {
            return post(dkv.url("/v1/stores/el/leases"), new JsonObject().put("ttlMs", ttlSeconds * 1000).encode(), "POST").getString("id");
        }

        @Override
        public void refresh(String lease) throws Exception {
            post(dkv.url("/v1/stores/el/leases/" + lease + "/refresh"), "", "POST");
        }

        @Override
        public JsonObject campaign(String lease, String value) throws Exception {
            JsonObject answer;
            do {
                answer = post(dkv.url("/v1/stores/el/elections/job/campaign"),
                        new JsonObject().put("lease", lease).put("value", value).put("waitMs", 60_000).encode(), "POST");
            } while (!answer.getBoolean("leader"));
            return answer;
        }

        @Override
        public void resign(String lease, JsonObject leadership) throws Exception {
            post(dkv.url("/v1/stores/el/elections/job/resign"), new JsonObject().put("lease", lease).put("token", leadership.getLong("token")).encode(), "POST");
        }

        @Override
        public int candidates() throws Exception {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(dkv.url("/v1/stores/el/elections/job/leader"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? new JsonObject(response.body()).getInteger("candidates") : 0;
        }
    }

    private static final class EtcdElection implements Election {
        private static final String NAME = b64("job");
        private final Endpoint etcd;

        EtcdElection(Endpoint etcd) {
            this.etcd = etcd;
        }

        @Override
        public String grant(int ttlSeconds) throws Exception {
            return post(etcd.url("/v3/lease/grant"), new JsonObject().put("TTL", ttlSeconds).encode(), "POST").getString("ID");
        }

        @Override
        public void refresh(String lease) throws Exception {
            post(etcd.url("/v3/lease/keepalive"), new JsonObject().put("ID", lease).encode(), "POST");
        }

        @Override
        public JsonObject campaign(String lease, String value) throws Exception {
            return post(etcd.url("/v3/election/campaign"), new JsonObject().put("name", NAME).put("lease", lease).put("value", b64(value)).encode(),
                    "POST").getJsonObject("leader");
        }

        @Override
        public void resign(String lease, JsonObject leadership) throws Exception {
            post(etcd.url("/v3/election/resign"), new JsonObject().put("leader", leadership).encode(), "POST");
        }

        @Override
        public int candidates() throws Exception {
            JsonObject range = post(etcd.url("/v3/kv/range"), new JsonObject().put("key", b64("job/")).put("range_end", b64("job0"))
                    .put("count_only", true).encode(), "POST");
            return Integer.parseInt(range.getString("count", "0"));
        }

        private static String b64(String text) {
            return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static JsonObject post(String url, String body, String method) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(90))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body().isEmpty() ? new JsonObject() : new JsonObject(response.body());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ElectionBenchmark()).execute(args));
    }
}
