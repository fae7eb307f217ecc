package io.dkv.bench;

import io.dkv.bench.BenchSystems.Endpoint;
import io.dkv.client.Codecs;
import io.dkv.client.DkvClient;
import io.dkv.client.cache.CacheOptions;
import io.dkv.client.cache.DkvCache;
import io.dkv.client.kv.Kv;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.Jedis;

/**
 * The Java client's overhead: put and get through {@code DkvClient} (blocking calls, one thread per
 * caller) beside the raw closed-loop HTTP load generator ({@link ClosedLoopLoad}, Vert.x) against the
 * same single-machine DKV, alternating which goes first each round, at each caller count; the ratio
 * client/raw of throughput is reported as the median over the rounds. Then the near cache: the
 * latency of a hit (one thread, every call timed in nanoseconds), hit throughput on all cores, and a
 * plain client GET for scale; once DKV has stopped, a Redis GET from the same JVM. Prints Markdown
 * tables for docs/BENCHMARKS.md.
 */
@Command(name = "client-benchmark", mixinStandardHelpOptions = true)
public final class ClientBenchmark implements Callable<Integer> {
    @Option(names = "--dkv-command", defaultValue = "bin/dkv")
    String dkvCommand;

    @Option(names = "--dkv-port", defaultValue = "7861")
    int dkvPort;

    @Option(names = "--kafka-port", defaultValue = "19092")
    int kafkaPort;

    @Option(names = "--rounds", defaultValue = "3")
    int rounds;

    @Option(names = "--clients", split = ",", defaultValue = "1,64")
    List<Integer> clients;

    @Option(names = "--warmup-s", defaultValue = "3")
    int warmupSeconds;

    @Option(names = "--duration-s", defaultValue = "10")
    int durationSeconds;

    @Option(names = "--settle-s", defaultValue = "30", description = "load DKV this long (64 raw callers) before measuring")
    int settleSeconds;

    @Option(names = "--keys", defaultValue = "10000")
    int keys;

    @Option(names = "--value-bytes", defaultValue = "256")
    int valueBytes;

    @Option(names = "--near-hits", defaultValue = "5000000", description = "timed near-cache hits")
    int nearHits;

    @Option(names = "--redis-port", defaultValue = "16379", description = "for the Redis GET measured after DKV stops")
    int redisPort;

    @Option(names = "--work-dir")
    Path workDir;

    private static final String STORE = "bench";

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("dkv-client-benchmark");
        Vertx vertx = Vertx.vertx();
        Endpoint endpoint = new Endpoint("localhost", dkvPort);
        Process dkv = BenchSystems.startDkv(vertx, dkvCommand, work.resolve("dkv"), endpoint, kafkaPort);
        String value = "v".repeat(valueBytes);
        byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (DkvClient client = DkvClient.builder().store(STORE).servers(endpoint.host() + ":" + endpoint.port()).build()) {
            client.createStore();
            for (int from = 0; from < keys; from += 64) {
                List<java.util.concurrent.CompletableFuture<?>> batch = new ArrayList<>();
                for (int i = from; i < Math.min(keys, from + 64); i++) {
                    batch.add(client.kv().putAsync(key(i), value));
                }
                batch.forEach(java.util.concurrent.CompletableFuture::join);
            }
            ClosedLoopLoad.run(vertx, "settle", 64, 0, settleSeconds * 1000L, i -> rawPut(endpoint, i, bytes));
            List<List<ClosedLoopLoad.Result>> measured = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                List<ClosedLoopLoad.Result> results = new ArrayList<>();
                for (int n : clients) {
                    for (String workload : List.of("put", "get")) {
                        boolean rawFirst = round % 2 == 1;
                        for (boolean raw : rawFirst ? List.of(true, false) : List.of(false, true)) {
                            results.add(raw
                                    ? ClosedLoopLoad.run(vertx, "raw " + workload, n, warmupSeconds * 1000L, durationSeconds * 1000L,
                                            i -> workload.equals("put") ? rawPut(endpoint, i, bytes) : rawGet(endpoint, i))
                                    : clientLoad("client " + workload, n, workload.equals("put")
                                            ? i -> client.kv().put(key(i), value) : i -> client.kv().get(key(i))));
                        }
                    }
                }
                measured.add(results);
                System.out.printf("round %d of %d done%n", round, rounds);
            }
            System.out.println("| round | workload | callers | ops/s | p50 ms | p99 ms | p99.9 ms | errors |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            for (int r = 0; r < measured.size(); r++) {
                int round = r + 1;
                measured.get(r).forEach(result -> System.out.println("| " + round + " " + result.row()));
            }
            for (int n : clients) {
                for (String workload : List.of("put", "get")) {
                    double median = BenchSystems.median(measured.stream().mapToDouble(results ->
                            find(results, "client " + workload, n).throughput() / find(results, "raw " + workload, n).throughput()).toArray());
                    System.out.printf("%s, %d callers: client/raw throughput, median of %d rounds: %.2f%n", workload, n, rounds, median);
                }
            }
            nearCache(client, value);
        } finally {
            BenchSystems.stop(dkv);
            vertx.close().await();
        }
        redisGet(work.resolve("redis"), value);
        return 0;
    }

    /**
     * A Redis GET from this JVM (Jedis, one connection per thread) for scale beside the near cache,
     * measured once DKV has stopped so that the two do not share the cores.
     */
    private void redisGet(Path dir, String value) throws Exception {
        Process redis = BenchSystems.startRedis(dir, redisPort);
        try {
            Histogram get = new Histogram(60_000_000_000L, 3);
            try (Jedis jedis = new Jedis("127.0.0.1", redisPort)) {
                jedis.set("hot", value);
                for (int i = 0; i < 20_000; i++) {
                    jedis.get("hot");
                }
                for (int i = 0; i < 100_000; i++) {
                    long start = System.nanoTime();
                    jedis.get("hot");
                    get.recordValue(System.nanoTime() - start);
                }
            }
            int threads = Runtime.getRuntime().availableProcessors();
            double perSecond = BenchSystems.callsPerSecond(threads, durationSeconds, () -> new Jedis("127.0.0.1", redisPort),
                    jedis -> jedis.get("hot"));
            System.out.printf("| Redis GET (Jedis, DKV stopped) | %.1f µs | %.1f µs | %.1f µs | %,.0f/s on %d threads |%n",
                    get.getValueAtPercentile(50) / 1e3, get.getValueAtPercentile(99) / 1e3, get.getValueAtPercentile(99.9) / 1e3,
                    perSecond, threads);
        } finally {
            BenchSystems.stop(redis);
        }
    }

    private void nearCache(DkvClient client, String value) throws InterruptedException {
        try (DkvCache<String> cache = client.cache("near/", Codecs.string(), CacheOptions.defaults().withNearCache(100_000))) {
            cache.put("hot", value, null);
            cache.get("hot");
            Histogram hit = new Histogram(10_000_000_000L, 3);
            for (int i = 0; i < nearHits / 5; i++) {
                cache.get("hot");
            }
            for (int i = 0; i < nearHits; i++) {
                long start = System.nanoTime();
                cache.get("hot");
                hit.recordValue(System.nanoTime() - start);
            }
            int threads = Runtime.getRuntime().availableProcessors();
            double hitsPerSecond = BenchSystems.callsPerSecond(threads, durationSeconds, () -> () -> { }, none -> cache.get("hot"));
            Kv<String> kv = client.kv();
            Histogram plain = new Histogram(60_000_000_000L, 3);
            for (int i = 0; i < 2000; i++) {
                long start = System.nanoTime();
                kv.get("near/hot");
                plain.recordValue(System.nanoTime() - start);
            }
            System.out.println();
            System.out.println("| read | p50 | p99 | p99.9 | throughput |");
            System.out.println("|---|---|---|---|---|");
            System.out.printf("| near-cache hit | %.0f ns | %.0f ns | %.0f ns | %,.0f/s on %d threads |%n", (double) hit.getValueAtPercentile(50),
                    (double) hit.getValueAtPercentile(99), (double) hit.getValueAtPercentile(99.9), hitsPerSecond, threads);
            System.out.printf("| client GET (DKV) | %.2f ms | %.2f ms | %.2f ms | one caller |%n", plain.getValueAtPercentile(50) / 1e6,
                    plain.getValueAtPercentile(99) / 1e6, plain.getValueAtPercentile(99.9) / 1e6);
            System.out.println("near-cache stats: " + cache.stats());
            staleness(client, cache);
        }
    }

    /**
     * How long a near cache serves the old value after another client's write was acknowledged: the
     * other client writes, and this one reads its near cache in a spin until the new value shows.
     */
    private void staleness(DkvClient reader, DkvCache<String> near) {
        try (DkvClient writer = DkvClient.builder().store(STORE).servers("localhost:" + dkvPort).build()) {
            Histogram stale = new Histogram(60_000_000L, 3);
            for (int i = 0; i < 500; i++) {
                String next = "w" + i;
                near.get("stale");
                writer.kv().put("near/stale", next);
                long acked = System.nanoTime();
                while (!near.get("stale").orElse("").equals(next)) {
                    Thread.onSpinWait();
                }
                stale.recordValue(Math.max(1, (System.nanoTime() - acked) / 1000));
            }
            System.out.printf("near-cache staleness after another client's acknowledged write (500 writes): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    stale.getValueAtPercentile(50) / 1000.0, stale.getValueAtPercentile(99) / 1000.0, stale.getMaxValue() / 1000.0);
        }
    }

    private static ClosedLoopLoad.Result find(List<ClosedLoopLoad.Result> results, String name, int clients) {
        return results.stream().filter(r -> r.name().equals(name) && r.clients() == clients).findFirst().orElseThrow();
    }

    /** {@code callers} threads each calling {@code call} back to back, measured after the warm-up. */
    private ClosedLoopLoad.Result clientLoad(String name, int callers, IntConsumer call) throws InterruptedException {
        Histogram histogram = new Histogram(60_000_000L, 3);
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong sequence = new AtomicLong();
        long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(durationSeconds);
        CountDownLatch done = new CountDownLatch(callers);
        for (int c = 0; c < callers; c++) {
            start(() -> {
                Histogram mine = new Histogram(60_000_000L, 3);
                long count = 0;
                while (true) {
                    long start = System.nanoTime();
                    if (start >= end) {
                        break;
                    }
                    try {
                        call.accept((int) sequence.getAndIncrement());
                        if (start >= measureFrom) {
                            mine.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
                            count++;
                        }
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                    }
                }
                synchronized (histogram) {
                    histogram.add(mine);
                }
                requests.addAndGet(count);
                done.countDown();
            });
        }
        done.await();
        return new ClosedLoopLoad.Result(name, callers, requests.get(), errors.get(), durationSeconds, histogram);
    }

    private static void start(Runnable body) {
        Thread thread = new Thread(body);
        thread.setDaemon(true);
        thread.start();
    }

    private String key(int i) {
        return String.format("k%07d", i % keys);
    }

    private ClosedLoopLoad.Call rawPut(Endpoint e, int i, byte[] value) {
        return new ClosedLoopLoad.Call(e.options(HttpMethod.PUT, "/v1/stores/" + STORE + "/kv/" + key(i)), Buffer.buffer(value));
    }

    private ClosedLoopLoad.Call rawGet(Endpoint e, int i) {
        return new ClosedLoopLoad.Call(e.options(HttpMethod.GET, "/v1/stores/" + STORE + "/kv/" + key(i)), null);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClientBenchmark()).execute(args));
    }
}
