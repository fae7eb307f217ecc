package io.dkv.bench;

import io.dkv.bench.BenchSystems.Endpoint;
import io.dkv.client.DkvClient;
import io.dkv.client.kv.Txn;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;

/**
 * The Redis cache sink (the {@code connect} module's plugin) on a single-machine DKV: a real Connect
 * worker (standalone, the packaged plugin on its plugin.path), a real redis-server, one task.
 *
 * <ul>
 *   <li><b>Delay</b>: HTTP puts at a fixed rate (open loop, at most {@code --max-in-flight} waiting), each to a new key;
 *       the delay of a put is from its acknowledgement to Redis's keyspace notification of the
 *       entry being written (refresh) or deleted (invalidate). A change Redis saw before the client
 *       had its acknowledgement counts as 0.</li>
 *   <li><b>Throughput</b>: a backlog of changes written before the connector exists (transactions of
 *       100 puts), then the rate at which one task applies it, from the first entry Redis reports
 *       to the last.</li>
 * </ul>
 * Prints Markdown rows for docs/BENCHMARKS.md.
 */
@Command(name = "cache-sink-benchmark", mixinStandardHelpOptions = true)
public final class CacheSinkBenchmark implements Callable<Integer> {
    @Option(names = "--dkv-command", defaultValue = "bin/dkv")
    String dkvCommand;

    @Option(names = "--dkv-port", defaultValue = "7861")
    int dkvPort;

    @Option(names = "--kafka-port", defaultValue = "19092")
    int kafkaPort;

    @Option(names = "--redis-port", defaultValue = "16379")
    int redisPort;

    @Option(names = "--connect-port", defaultValue = "18083")
    int connectPort;

    @Option(names = "--plugin-jar", required = true, description = "the connect module's -plugin.jar")
    Path pluginJar;

    @Option(names = "--rate", defaultValue = "1000", description = "puts per second in the delay run")
    int rate;

    @Option(names = "--max-in-flight", defaultValue = "64", description = "puts awaiting their answer at most; the rate drops if DKV cannot keep up")
    int maxInFlight;

    @Option(names = "--warmup-s", defaultValue = "5")
    int warmupSeconds;

    @Option(names = "--duration-s", defaultValue = "20")
    int durationSeconds;

    @Option(names = "--backlog", defaultValue = "50000", description = "changes in the throughput run")
    int backlog;

    @Option(names = "--modes", split = ",", defaultValue = "refresh,invalidate")
    List<String> modes;

    @Option(names = "--work-dir")
    Path workDir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    private final AtomicLong firstSeen = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("dkv-cache-sink-benchmark");
        Vertx vertx = Vertx.vertx();
        Endpoint endpoint = new Endpoint("localhost", dkvPort);
        Process dkv = BenchSystems.startDkv(vertx, dkvCommand, work.resolve("dkv"), endpoint, kafkaPort);
        Process redis = BenchSystems.startRedis(work.resolve("redis"), redisPort);
        Process connect = null;
        try {
            connect = startConnect(work.resolve("connect"));
            JedisPubSub subscriber = subscribe();
            List<String> rows = new ArrayList<>();
            for (String mode : modes) {
                rows.add(delay(vertx, endpoint, mode));
            }
            for (String mode : modes) {
                rows.add(throughput(endpoint, mode));
            }
            System.out.println("| run | mode | changes | figures |");
            System.out.println("|---|---|---|---|");
            rows.forEach(System.out::println);
            subscriber.punsubscribe();
        } finally {
            if (connect != null) {
                BenchSystems.stop(connect);
            }
            BenchSystems.stop(redis);
            BenchSystems.stop(dkv);
            vertx.close().await();
        }
        return 0;
    }

    private String delay(Vertx vertx, Endpoint endpoint, String mode) throws Exception {
        String store = "delay-" + mode;
        // Puts go through a lean Vert.x client rather than DkvClient, whose CPU per call would take
        // the two cores DKV, the worker and Redis share here (docs/BENCHMARKS.md, the Java client).
        io.vertx.core.http.HttpClient http = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(maxInFlight));
        try (DkvClient client = client(endpoint, store)) {
            createConnector(store, mode);
            int warmup = rate * warmupSeconds;
            int total = warmup + rate * durationSeconds;
            if (mode.equals("invalidate")) {
                preset(store, total);
            }
            seen.clear();
            long[] acked = new long[total];
            long[] sent = new long[total];
            AtomicInteger failed = new AtomicInteger();
            System.out.printf("delay, %s: %d puts at %d/s...%n", mode, total, rate);
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            Semaphore inFlight = new Semaphore(maxInFlight);
            long started = System.nanoTime();
            long next = started;
            for (int i = 0; i < total; i++) {
                int n = i;
                LockSupport.parkNanos(next - System.nanoTime());
                inFlight.acquire();
                sent[n] = System.nanoTime();
                http.request(endpoint.options(HttpMethod.PUT, "/v1/stores/" + store + "/kv/" + key(n)))
                        .compose(request -> request.send(Buffer.buffer("value " + n)))
                        .compose(response -> response.body().map(body -> response.statusCode()))
                        .onComplete(result -> {
                            acked[n] = System.nanoTime();
                            if (result.failed() || result.result() / 100 != 2) {
                                failed.incrementAndGet();
                            }
                            inFlight.release();
                        });
                next += interval;
            }
            inFlight.acquire(maxInFlight);
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " of " + total + " puts failed");
            }
            double achieved = total / ((System.nanoTime() - started) / 1e9);
            awaitSeen(store, total, 60);
            Histogram micros = new Histogram(60_000_000L, 3);
            Histogram fromSend = new Histogram(60_000_000L, 3);
            Histogram putLatency = new Histogram(60_000_000L, 3);
            int early = 0;
            for (int i = warmup; i < total; i++) {
                long at = seen.get(store + ":" + key(i));
                long delay = at - acked[i];
                early += delay < 0 ? 1 : 0;
                micros.recordValue(Math.max(0, delay / 1000));
                fromSend.recordValue((at - sent[i]) / 1000);
                putLatency.recordValue((acked[i] - sent[i]) / 1000);
            }
            deleteConnector(store);
            http.close().await();
            return String.format("| delay from put ack | %s | %d at %.0f/s | %s; %d of %d in Redis before the ack reached the client |%n"
                            + "| delay from put sent | %s | same | %s |%n| put latency (for scale) | %s | same | %s |",
                    mode, total - warmup, achieved, percentiles(micros), early, total - warmup,
                    mode, percentiles(fromSend), mode, percentiles(putLatency));
        }
    }

    private String throughput(Endpoint endpoint, String mode) throws Exception {
        String store = "backlog-" + mode;
        try (DkvClient client = client(endpoint, store)) {
            System.out.printf("throughput, %s: writing a backlog of %d changes...%n", mode, backlog);
            List<CompletableFuture<?>> txns = new ArrayList<>();
            for (int from = 0; from < backlog; from += 100) {
                Txn<String> txn = client.kv().txn();
                for (int i = from; i < Math.min(backlog, from + 100); i++) {
                    txn.thenPut(key(i), "value " + i);
                }
                txns.add(txn.commitAsync());
                if (txns.size() == 32) {
                    CompletableFuture.allOf(txns.toArray(CompletableFuture[]::new)).join();
                    txns.clear();
                }
            }
            CompletableFuture.allOf(txns.toArray(CompletableFuture[]::new)).join();
            if (mode.equals("invalidate")) {
                preset(store, backlog);
            }
            seen.clear();
            firstSeen.set(0);
            createConnector(store, mode);
            awaitSeen(store, backlog, 300);
            long last = seen.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            double seconds = (last - firstSeen.get()) / 1e9;
            deleteConnector(store);
            return String.format("| sink throughput, 1 task | %s | %d | %.0f changes/s (%.2f s from first to last entry) |",
                    mode, backlog, (backlog - 1) / seconds, seconds);
        }
    }

    private static String percentiles(Histogram micros) {
        return String.format("p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms", micros.getValueAtPercentile(50) / 1000.0,
                micros.getValueAtPercentile(99) / 1000.0, micros.getValueAtPercentile(99.9) / 1000.0, micros.getMaxValue() / 1000.0);
    }

    private static String key(int i) {
        return "k" + i;
    }

    private DkvClient client(Endpoint endpoint, String store) {
        DkvClient client = DkvClient.builder().store(store).servers(endpoint.host() + ":" + endpoint.port()).build();
        client.createStore();
        return client;
    }

    /** Cached entries for invalidate mode to delete; Redis notifies nothing for a DEL of a missing key. */
    private void preset(String store, int count) {
        try (Jedis jedis = new Jedis("127.0.0.1", redisPort)) {
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < count; i++) {
                pipeline.set(store + ":" + key(i), "cached");
            }
            pipeline.sync();
        }
    }

    /** Records when Redis first reports each entry written (refresh) or deleted (invalidate). */
    private JedisPubSub subscribe() {
        try (Jedis jedis = new Jedis("127.0.0.1", redisPort)) {
            jedis.configSet("notify-keyspace-events", "K$g");
        }
        String prefix = "__keyspace@0__:";
        JedisPubSub subscriber = new JedisPubSub() {
            @Override
            public void onPMessage(String pattern, String channel, String message) {
                long now = System.nanoTime();
                String key = channel.substring(prefix.length());
                boolean change = key.startsWith("delay-invalidate:") || key.startsWith("backlog-invalidate:")
                        ? message.equals("del") : message.equals("set") && !key.endsWith(":dkv-rev");
                if (change && seen.putIfAbsent(key, now) == null) {
                    firstSeen.compareAndSet(0, now);
                }
            }
        };
        Thread thread = new Thread(() -> {
            try (Jedis jedis = new Jedis("127.0.0.1", redisPort)) {
                jedis.psubscribe(subscriber, prefix + "delay-*", prefix + "backlog-*");
            }
        }, "redis-notifications");
        thread.setDaemon(true);
        thread.start();
        return subscriber;
    }

    private void awaitSeen(String store, int count, int timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        String prefix = store + ":";
        while (seen.keySet().stream().filter(k -> k.startsWith(prefix)).count() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Redis reported only " + seen.keySet().stream().filter(k -> k.startsWith(prefix)).count()
                        + " of " + count + " changes of " + store + " within " + timeoutSeconds + " s");
            }
            Thread.sleep(100);
        }
    }

    private Process startConnect(Path dir) throws Exception {
        Files.createDirectories(dir);
        Properties worker = new Properties();
        worker.putAll(Map.of(
                "bootstrap.servers", "localhost:" + kafkaPort,
                "key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter",
                "value.converter", "io.dkv.connect.converter.ChangeEventConverter",
                "offset.storage.file.filename", dir.resolve("offsets").toString(),
                "plugin.path", pluginJar.toAbsolutePath().toString(),
                "plugin.discovery", "service_load",
                "listeners", "http://127.0.0.1:" + connectPort));
        Path file = dir.resolve("worker.properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            worker.store(out, null);
        }
        Process process = BenchSystems.launch(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "org.apache.kafka.connect.cli.ConnectStandalone", file.toString()),
                dir, "connect");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            try {
                if (rest("GET", "/connectors", null).statusCode() == 200) {
                    return process;
                }
            } catch (java.io.IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the Connect worker did not start; see " + dir.resolve("connect.log"), e);
                }
            }
            Thread.sleep(200);
        }
    }

    private void createConnector(String store, String mode) throws Exception {
        JsonObject config = new JsonObject()
                .put("connector.class", "io.dkv.connect.redis.RedisCacheSinkConnector")
                .put("topics", "dkv.store." + store + ".changes")
                .put("tasks.max", "1")
                .put("mode", mode)
                .put("redis.uri", "redis://127.0.0.1:" + redisPort)
                .put("consumer.override.isolation.level", "read_committed");
        HttpResponse<String> response = rest("PUT", "/connectors/" + store + "/config", config.encode());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("creating connector " + store + ": " + response.body());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!rest("GET", "/connectors/" + store + "/status", null).body().contains("\"tasks\":[{\"id\":0,\"state\":\"RUNNING\"")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("connector " + store + " is not running: "
                        + rest("GET", "/connectors/" + store + "/status", null).body());
            }
            Thread.sleep(100);
        }
    }

    private void deleteConnector(String store) throws Exception {
        rest("DELETE", "/connectors/" + store, null);
    }

    private HttpResponse<String> rest(String method, String path, String body) throws java.io.IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connectPort + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CacheSinkBenchmark()).execute(args));
    }
}
