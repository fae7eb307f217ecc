package io.dkv.bench;

import io.dkv.bench.BenchSystems.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What keeping leases alive costs DKV: one single-machine DKV (fresh data directory) carries a
 * 64-client put load on one store, alternately alone and while {@code --leases} leases of another
 * store (each holding one key) are refreshed every TTL/3 by an open-loop refresher; a third phase runs
 * the refresher alone. Each phase reports put throughput and latency, refresh rate and latency
 * (HdrHistogram, from the scheduled send), the DKV process's CPU and the records per second written to
 * Kafka (every topic's end offsets, transaction markers included). Leases are granted before and
 * revoked after each leased phase, outside the measurement. Then the expiry distribution: leases that
 * are never refreshed, granted spread over two seconds, and how long after TTL their keys' deletes
 * reach a watcher. Prints Markdown tables for docs/BENCHMARKS.md.
 */
@Command(name = "lease-benchmark", mixinStandardHelpOptions = true)
public final class LeaseBenchmark implements Callable<Integer> {
    @Option(names = "--dkv-command", defaultValue = "bin/dkv")
    String dkvCommand;

    @Option(names = "--dkv-port", defaultValue = "7861")
    int dkvPort;

    @Option(names = "--kafka-port", defaultValue = "19092")
    int kafkaPort;

    @Option(names = "--rounds", defaultValue = "3", description = "each round runs every phase once; odd rounds start without leases")
    int rounds;

    @Option(names = "--leases", defaultValue = "10000")
    int leases;

    @Option(names = "--ttl-ms", defaultValue = "10000")
    long ttlMs;

    @Option(names = "--clients", defaultValue = "64", description = "closed-loop put clients")
    int clients;

    @Option(names = "--refresh-connections", defaultValue = "32")
    int refreshConnections;

    @Option(names = "--refresh-batch", defaultValue = "1",
            description = "leases per refresh request: 1 is POST …/leases/{id}/refresh per lease, more is POST …/leases/refresh with that many ids")
    int refreshBatch;

    @Option(names = "--refresh-over", defaultValue = "http",
            description = "http: a request per refresh (see --refresh-batch); websocket: a frame per refresh on the"
                    + " GET …/leases/keepalive sockets, --refresh-connections of them")
    String refreshOver;

    @Option(names = "--warmup-s", defaultValue = "5")
    int warmupSeconds;

    @Option(names = "--duration-s", defaultValue = "15")
    int durationSeconds;

    @Option(names = "--settle-s", defaultValue = "60", description = "puts and refreshes, not measured, after the start: the JIT settles")
    int settleSeconds;

    @Option(names = "--expiry-leases", defaultValue = "400", description = "leases that are left to expire, for the expiry distribution (0: none)")
    int expiryLeases;

    @Option(names = "--expiry-ttl-ms", defaultValue = "2000")
    long expiryTtlMs;

    @Option(names = "--work-dir")
    Path workDir;

    private static final byte[] VALUE = "v".repeat(256).getBytes(StandardCharsets.UTF_8);

    /** One measured phase. */
    private record Phase(int round, String name, ClosedLoopLoad.Result puts, Histogram refreshMicros, long refreshes,
            long refreshErrors, long leasesLost, double seconds, double cpuPercent, double recordsPerSecond) {

        String row() {
            String put = puts == null ? "| – | – | – " : String.format("| %,.0f | %.2f | %.2f ", puts.throughput(),
                    puts.latencyMicros().getValueAtPercentile(50) / 1000.0, puts.latencyMicros().getValueAtPercentile(99) / 1000.0);
            String refresh = refreshMicros == null ? "| – | – | – | – | – | – " : String.format("| %,.0f | %.2f | %.2f | %.2f | %d | %d ",
                    refreshes / seconds, refreshMicros.getValueAtPercentile(50) / 1000.0, refreshMicros.getValueAtPercentile(99) / 1000.0,
                    refreshMicros.getValueAtPercentile(99.9) / 1000.0, refreshErrors, leasesLost);
            return String.format("| %d | %s ", round, name) + put + refresh + String.format("| %.0f | %,.0f |", cpuPercent, recordsPerSecond);
        }
    }

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("dkv-lease-benchmark");
        Vertx vertx = Vertx.vertx();
        Endpoint dkv = new Endpoint("localhost", dkvPort);
        Process process = BenchSystems.startDkv(vertx, dkvCommand, work.resolve("dkv"), dkv, kafkaPort,
                "--lease-min-ttl-ms", Long.toString(Math.min(ttlMs, expiryTtlMs)));
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + kafkaPort);
        try (Admin kafka = Admin.create(admin)) {
            for (String store : List.of("bench", "presence")) {
                ClosedLoopLoad.runCount(vertx, 1, 1, i -> new ClosedLoopLoad.Call(dkv.options(HttpMethod.PUT, "/v1/stores/" + store), null));
            }
            if (settleSeconds > 0) {
                System.out.printf("settling for %d s (puts, then grants and refreshes; not measured)...%n", settleSeconds);
                ClosedLoopLoad.run(vertx, "settle", clients, 0, settleSeconds * 500L, i -> put(dkv, i));
                Refresher settle = grant(vertx, dkv, 0);
                settle.reset();
                ClosedLoopLoad.run(vertx, "settle", clients, 0, settleSeconds * 500L, i -> put(dkv, i));
                Refresher.Snapshot settled = settle.snapshot();
                settle.stop();
                System.out.printf("  settle: %d refreshes, p99 %.1f ms, %d failed%n", settled.count(),
                        settled.latencyMicros().getValueAtPercentile(99) / 1000.0, settled.errors());
                revoke(vertx, dkv, 0);
            }
            List<Phase> phases = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                List<String> order = round % 2 == 1 ? List.of("puts", "puts + refreshes", "refreshes") : List.of("puts + refreshes", "refreshes", "puts");
                for (String phase : order) {
                    phases.add(measure(vertx, kafka, process, dkv, round, phase));
                }
            }
            if (rounds > 0) {
                printRounds(phases);
            }
            if (expiryLeases > 0) {
                expiry(vertx, dkv);
            }
            return 0;
        } finally {
            BenchSystems.stop(process);
            vertx.close().await();
        }
    }

    /** The rounds as a Markdown table, and the median put ratio. */
    private void printRounds(List<Phase> phases) {
        System.out.println();
        System.out.printf("%d leases at TTL %d ms, each refreshed every %d ms, %s; %d put clients (256-byte values)%n%n",
                leases, ttlMs, ttlMs / 3, refreshOver.equals("websocket") ? "a frame each on " + refreshConnections + " keep-alive sockets"
                        : refreshBatch + " per request", clients);
        System.out.println("| round | phase | puts/s | put p50 ms | put p99 ms | refreshes/s | refresh p50 ms | refresh p99 ms | refresh p99.9 ms | refresh errors | leases lost | DKV CPU % of a core | records/s to Kafka |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        phases.forEach(p -> System.out.println(p.row()));
        double[] ratios = new double[rounds];
        for (int round = 1; round <= rounds; round++) {
            ratios[round - 1] = throughput(phases, round, "puts + refreshes") / throughput(phases, round, "puts");
        }
        System.out.printf("%nput throughput with the leases kept alive / without, median of %d rounds: %.3f%n", rounds, BenchSystems.median(ratios));
    }

    private Phase measure(Vertx vertx, Admin kafka, Process process, Endpoint dkv, int round, String phase) throws Exception {
        boolean withLeases = phase.contains("refreshes");
        boolean withPuts = phase.contains("puts");
        Refresher refresher = null;
        if (withLeases) {
            refresher = grant(vertx, dkv, round);
        }
        System.out.printf("round %d, %s: %d s warm-up, %d s measured...%n", round, phase, warmupSeconds, durationSeconds);
        ClosedLoopLoad.Result puts = null;
        long[] measuredFrom = new long[1];
        Duration[] cpuFrom = new Duration[1];
        long[] offsetsFrom = new long[1];
        Runnable startMeasuring = () -> {
            measuredFrom[0] = System.nanoTime();
            cpuFrom[0] = BenchSystems.cpu(process);
            offsetsFrom[0] = endOffsets(kafka);
        };
        if (withPuts) {
            // The put load measures its own window; CPU, records and refreshes are taken over the same one.
            vertx.setTimer(warmupSeconds * 1000L, t -> vertx.executeBlocking(() -> {
                startMeasuring.run();
                return null;
            }));
            if (refresher != null) {
                Refresher r = refresher;
                vertx.setTimer(warmupSeconds * 1000L, t -> r.reset());
            }
            puts = ClosedLoopLoad.run(vertx, phase, clients, warmupSeconds * 1000L, durationSeconds * 1000L, i -> put(dkv, i));
        } else {
            Thread.sleep(warmupSeconds * 1000L);
            refresher.reset();
            startMeasuring.run();
            Thread.sleep(durationSeconds * 1000L);
        }
        double seconds = (System.nanoTime() - measuredFrom[0]) / 1e9;
        double cpu = 100.0 * BenchSystems.cpu(process).minus(cpuFrom[0]).toNanos() / (seconds * 1e9);
        double records = (endOffsets(kafka) - offsetsFrom[0]) / seconds;
        Histogram refreshes = null;
        long refreshCount = 0;
        long refreshErrors = 0;
        long lost = 0;
        if (refresher != null) {
            Refresher.Snapshot snapshot = refresher.snapshot();
            refresher.stop();
            refreshes = snapshot.latencyMicros();
            refreshCount = snapshot.count();
            refreshErrors = snapshot.errors() + refresher.lateErrors();
            lost = revoke(vertx, dkv, round);
        }
        Phase measured = new Phase(round, phase, puts, refreshes, refreshCount, refreshErrors, lost, seconds, cpu, records);
        System.out.println("  " + measured.row());
        return measured;
    }

    private static double throughput(List<Phase> phases, int round, String name) {
        return phases.stream().filter(p -> p.round() == round && p.name().equals(name)).findFirst().orElseThrow().puts().throughput();
    }

    /**
     * Grants this round's leases, each with its own client-chosen id, refreshing each from its grant
     * on (a grant phase longer than a TTL must not let the first leases expire), and attaches one key
     * to each. Not measured.
     */
    private Refresher grant(Vertx vertx, Endpoint dkv, int round) throws InterruptedException {
        List<Long> ids = ids(round);
        System.out.printf("  granting %d leases, one key on each...%n", leases);
        Refresher refresher = Refresher.start(vertx, dkv, ids, ttlMs / 3, refreshConnections, refreshBatch,
                refreshOver.equals("websocket"));
        check("grant", ClosedLoopLoad.runCount(vertx, 64, leases, i -> new ClosedLoopLoad.Call(dkv.options(HttpMethod.POST,
                "/v1/stores/presence/leases"), new JsonObject().put("ttlMs", ttlMs).put("id", Long.toString(ids.get(i))).toBuffer()),
                refresher::granted));
        refresher.allGranted();
        check("attach", ClosedLoopLoad.runCount(vertx, 64, leases, i -> new ClosedLoopLoad.Call(dkv.options(HttpMethod.PUT,
                "/v1/stores/presence/kv/node:" + i).putHeader("DKV-Lease", Long.toString(ids.get(i))), Buffer.buffer("up"))));
        return refresher;
    }

    /** Revokes this round's leases. @return how many were gone already: expired although refreshed */
    private long revoke(Vertx vertx, Endpoint dkv, int round) throws InterruptedException {
        List<Long> ids = ids(round);
        long lost = ClosedLoopLoad.runCount(vertx, 64, leases, i -> new ClosedLoopLoad.Call(dkv.options(HttpMethod.DELETE,
                "/v1/stores/presence/leases/" + ids.get(i)), null)).errors();
        if (lost > 0) {
            System.out.printf("  %d of %d leases had expired although refreshed%n", lost, leases);
        }
        return lost;
    }

    private static void check(String what, ClosedLoopLoad.Result result) {
        if (result.errors() > 0) {
            throw new IllegalStateException(what + " failed " + result.errors() + " times");
        }
    }

    private List<Long> ids(int round) {
        List<Long> ids = new ArrayList<>(leases);
        for (int i = 0; i < leases; i++) {
            ids.add((round + 1) * 10_000_000L + i + 1);
        }
        return ids;
    }

    private static ClosedLoopLoad.Call put(Endpoint dkv, int i) {
        return new ClosedLoopLoad.Call(dkv.options(HttpMethod.PUT, String.format("/v1/stores/bench/kv/k%07d", i % 10_000)), Buffer.buffer(VALUE));
    }

    /** The sum of every partition's end offset over all topics. */
    private static long endOffsets(Admin kafka) {
        try {
            var topics = kafka.describeTopics(kafka.listTopics().names().get()).allTopicNames().get();
            Map<TopicPartition, OffsetSpec> latest = topics.values().stream().flatMap(t -> t.partitions().stream()
                    .map(p -> new TopicPartition(t.name(), p.partition()))).collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            return kafka.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the topics' end offsets", e);
        }
    }

    /**
     * Leases never refreshed, granted evenly over two seconds (so their deadlines fall at every point
     * of the expiry check's period); for each, how long after grant + TTL the delete of its key reaches
     * a watcher. Measured from the grant's send, so each figure is an upper bound.
     */
    private void expiry(Vertx vertx, Endpoint dkv) throws Exception {
        System.out.printf("%nexpiry: %d leases at TTL %d ms, never refreshed...%n", expiryLeases, expiryTtlMs);
        Map<String, Long> grantedAt = new ConcurrentHashMap<>();
        Histogram lateMicros = new Histogram(60_000_000L, 3);
        Set<String> seenDeleted = ConcurrentHashMap.newKeySet();
        CountDownLatch gone = new CountDownLatch(expiryLeases);
        HttpClient watchClient = vertx.createHttpClient();
        StringBuilder pending = new StringBuilder();
        watchClient.request(dkv.options(HttpMethod.GET, "/v1/stores/presence/watch?prefix=exp:").setIdleTimeout(0).setTimeout(0))
                .compose(request -> request.send())
                .onSuccess(response -> response.handler(chunk -> {
                    long now = System.nanoTime();
                    pending.append(chunk.toString(StandardCharsets.UTF_8));
                    int end;
                    while ((end = pending.indexOf("\n\n")) >= 0) {
                        String message = pending.substring(0, end);
                        pending.delete(0, end + 2);
                        if (message.contains("event: delete")) {
                            String data = message.substring(message.indexOf("data: ") + 6);
                            String deleted = new JsonObject(data).getString("key");
                            Long sent = grantedAt.get(deleted);
                            if (sent != null && seenDeleted.add(deleted)) {
                                synchronized (lateMicros) {
                                    lateMicros.recordValue(Math.max(0, (now - sent) / 1000 - expiryTtlMs * 1000));
                                }
                                gone.countDown();
                            }
                        }
                    }
                })).await(30, TimeUnit.SECONDS);
        HttpClient http = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(64));
        AtomicLong failed = new AtomicLong();
        long spacingNanos = TimeUnit.SECONDS.toNanos(2) / expiryLeases;
        long start = System.nanoTime();
        for (int i = 0; i < expiryLeases; i++) {
            long due = start + i * spacingNanos;
            // Parked, not spinning: a spinning sender would take one of the two cores DKV is measured on.
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            String key = "exp:" + i;
            long sent = System.nanoTime();
            grantedAt.put(key, sent);
            // The grant and the attach are one client's sequence; its lease's clock starts at the grant.
            http.request(dkv.options(HttpMethod.POST, "/v1/stores/presence/leases"))
                    .compose(r -> r.send(new JsonObject().put("ttlMs", expiryTtlMs).toBuffer()))
                    .compose(r -> r.body())
                    .compose(body -> http.request(dkv.options(HttpMethod.PUT, "/v1/stores/presence/kv/" + key)
                            .putHeader("DKV-Lease", new JsonObject(body).getString("id"))))
                    .compose(r -> r.send(Buffer.buffer("x")))
                    .onComplete(ar -> {
                        if (ar.failed() || ar.result().statusCode() != 201) {
                            grantedAt.remove(key);
                            failed.incrementAndGet();
                            gone.countDown();
                        }
                    });
        }
        if (!gone.await(expiryTtlMs + 30_000, TimeUnit.MILLISECONDS)) {
            System.out.printf("  %d keys were never seen deleted%n", gone.getCount());
            grantedAt.keySet().stream().filter(key -> !seenDeleted.contains(key)).sorted().limit(5).forEach(key -> System.out.printf(
                    "    %s now: %s%n", key, http.request(dkv.options(HttpMethod.GET, "/v1/stores/presence/kv/" + key + "?view=json"))
                            .compose(r -> r.send()).compose(r -> r.body().map(b -> r.statusCode() + " " + b)).await()));
        }
        if (failed.get() > 0) {
            System.out.printf("  %d grants or attaches failed on the client side and are not counted%n", failed.get());
        }
        watchClient.close();
        http.close();
        System.out.println();
        System.out.printf("| leases | TTL ms | deleted after TTL + p50 ms | p90 ms | p99 ms | max ms |%n|---|---|---|---|---|---|%n");
        System.out.printf("| %d | %d | %.0f | %.0f | %.0f | %.0f |%n", lateMicros.getTotalCount(), expiryTtlMs,
                lateMicros.getValueAtPercentile(50) / 1000.0, lateMicros.getValueAtPercentile(90) / 1000.0,
                lateMicros.getValueAtPercentile(99) / 1000.0, lateMicros.getMaxValue() / 1000.0);
    }

    /**
     * An open-loop refresher: every lease refreshed once per period, spread evenly, whatever the
     * answers' latency (a late answer does not delay later sends). Latency is from the scheduled send.
     * Refreshes go as HTTP requests, or as frames on keep-alive WebSockets, each lease always on the
     * same socket.
     */
    private static final class Refresher {
        private static final long TICK_MS = 10;

        record Snapshot(Histogram latencyMicros, long count, long errors) {
        }

        private final Vertx vertx;
        private final HttpClient http;
        private final Endpoint dkv;
        private final List<Long> ids;
        private final long perTick;
        private final int batch;
        private final List<WebSocket> sockets;
        /** Refreshes the sockets answered with an error, by its code. */
        private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
        /** Refreshes sent on the sockets and not answered yet, by lease. */
        private final Map<Long, Promise<Boolean>> unanswered = new ConcurrentHashMap<>();
        private final List<Long> due = new ArrayList<>();
        private final Queue<Long> granted = new ConcurrentLinkedQueue<>();
        private volatile boolean all;
        private final AtomicLong next = new AtomicLong();
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final AtomicLong lateErrors = new AtomicLong();
        private Histogram histogram = new Histogram(60_000_000L, 3);
        private long timer;
        private volatile boolean measuring;
        private volatile boolean stopped;

        private Refresher(Vertx vertx, Endpoint dkv, List<Long> ids, long periodMs, int connections, int batch, boolean overWebSocket) {
            this.batch = overWebSocket ? 1 : batch;
            this.vertx = vertx;
            this.dkv = dkv;
            this.ids = ids;
            this.perTick = Math.max(1, ids.size() * TICK_MS / periodMs);
            this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                    new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
            this.sockets = overWebSocket ? connect(vertx, dkv, connections) : List.of();
        }

        private List<WebSocket> connect(Vertx vertx, Endpoint dkv, int connections) {
            WebSocketClient client = vertx.createWebSocketClient();
            List<WebSocket> opened = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(dkv.host()).setPort(dkv.port())
                        .setURI("/v1/stores/presence/leases/keepalive");
                if (dkv.authorization() != null) {
                    options.addHeader("Authorization", dkv.authorization());
                }
                WebSocket ws = client.connect(options).await();
                ws.textMessageHandler(text -> {
                    JsonObject frame = new JsonObject(text);
                    Promise<Boolean> answered = unanswered.remove(Long.parseLong(frame.getString("id")));
                    if (!"refreshed".equals(frame.getString("type"))) {
                        failures.computeIfAbsent(frame.getString("code"), c -> new AtomicLong()).incrementAndGet();
                    }
                    if (answered != null) {
                        answered.complete("refreshed".equals(frame.getString("type")));
                    }
                });
                opened.add(ws);
            }
            return opened;
        }

        static Refresher start(Vertx vertx, Endpoint dkv, List<Long> ids, long periodMs, int connections, int batch, boolean overWebSocket) {
            Refresher refresher = new Refresher(vertx, dkv, ids, periodMs, connections, batch, overWebSocket);
            refresher.timer = vertx.setPeriodic(TICK_MS, t -> refresher.tick());
            return refresher;
        }

        /** Lease {@code index} was granted: it is refreshed from now on. */
        void granted(int index) {
            granted.add(ids.get(index));
        }

        /** Every lease is granted: from now on each is refreshed once per period, in order. */
        void allGranted() {
            all = true;
        }

        private void tick() {
            for (int i = 0; i < perTick; i++) {
                if (!all) {
                    // Still granting: spread this tick's refreshes over the leases granted so far.
                    Long id = granted.poll();
                    if (id != null) {
                        granted.add(id);
                        due.add(id);
                    }
                } else {
                    due.add(ids.get((int) (next.getAndIncrement() % ids.size())));
                }
                if (due.size() >= batch) {
                    send(List.copyOf(due));
                    due.clear();
                }
            }
        }

        /** One request refreshing {@code leases}; it counts as that many refreshes, each with the request's latency. */
        private void send(List<Long> leases) {
            long sent = System.nanoTime();
            boolean single = leases.size() == 1;
            Future<Boolean> answered = !sockets.isEmpty() ? frame(leases.get(0))
                    : single
                    ? http.request(dkv.options(HttpMethod.POST, "/v1/stores/presence/leases/" + leases.get(0) + "/refresh"))
                            .compose(r -> r.send()).compose(r -> r.body().map(b -> r.statusCode() == 200))
                    : http.request(dkv.options(HttpMethod.POST, "/v1/stores/presence/leases/refresh"))
                            .compose(r -> r.send(new JsonObject().put("ids", new JsonArray(leases.stream().map(String::valueOf).toList())).toBuffer()))
                            .compose(r -> r.body().map(b -> r.statusCode() == 200 && new JsonObject(b).getJsonArray("notFound").isEmpty()));
            answered.onComplete(ar -> {
                boolean ok = ar.succeeded() && ar.result();
                if (stopped) {
                    return;
                }
                if (!measuring) {
                    if (!ok) {
                        lateErrors.addAndGet(leases.size());
                    }
                    return;
                }
                if (ok) {
                    count.addAndGet(leases.size());
                    synchronized (this) {
                        histogram.recordValueWithCount(Math.max(1, (System.nanoTime() - sent) / 1000), leases.size());
                    }
                } else {
                    errors.addAndGet(leases.size());
                }
            });
        }

        /** One refresh as a frame on the lease's socket; completes with its answer. */
        private Future<Boolean> frame(long lease) {
            Promise<Boolean> answered = Promise.promise();
            unanswered.put(lease, answered);
            sockets.get((int) Math.floorMod(lease, (long) sockets.size())).writeTextMessage("{\"id\":\"" + lease + "\"}")
                    .onFailure(answered::tryFail);
            return answered.future();
        }

        /** Starts the measured window. */
        synchronized void reset() {
            histogram = new Histogram(60_000_000L, 3);
            count.set(0);
            errors.set(0);
            measuring = true;
        }

        synchronized Snapshot snapshot() {
            measuring = false;
            return new Snapshot(histogram.copy(), count.get(), errors.get());
        }

        /** Failed refreshes before or after the measured window, until {@link #stop} (a lease lost there shows here). */
        long lateErrors() {
            return lateErrors.get();
        }

        void stop() {
            stopped = true;
            vertx.cancelTimer(timer);
            sockets.forEach(WebSocket::close);
            if (!failures.isEmpty()) {
                System.out.printf("  refreshes the keep-alive sockets refused, by code: %s%n", failures);
            }
            http.close();
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LeaseBenchmark()).execute(args));
    }
}
