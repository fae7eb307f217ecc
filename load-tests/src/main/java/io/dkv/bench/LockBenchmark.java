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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Lock cycles "acquire → put with the lock → release", DKV beside etcd 3.4 (its /v3 JSON gateway:
 * {@code /v3/lock/lock} on a lease per worker, {@code /v3/kv/put}, {@code /v3/lock/unlock}), each system
 * started alone on a fresh data directory, measured, stopped, alternately for {@code --rounds}. Workloads:
 * uncontended (each worker its own key) with 1 and 64 workers, contended (one key) with 16 and 64. Each
 * worker is a closed loop of blocking calls; a cycle's latency is from the acquire's send to the release's
 * answer. DKV's put carries the handle and is refused if the lock is gone; etcd's put is not checked
 * (etcd has no lock enforcement), which only helps etcd.
 */
@Command(name = "lock-benchmark", mixinStandardHelpOptions = true)
public final class LockBenchmark implements Callable<Integer> {
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

    @Option(names = "--warmup-s", defaultValue = "3")
    int warmupSeconds;

    @Option(names = "--duration-s", defaultValue = "10")
    int durationSeconds;

    @Option(names = "--work-dir")
    Path workDir;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<Workload> WORKLOADS = List.of(new Workload("uncontended", 1, false), new Workload("uncontended", 64, false),
            new Workload("contended", 16, true), new Workload("contended", 64, true));

    private record Workload(String name, int workers, boolean oneKey) {
    }

    /** One system's lock API, blocking calls; one instance per worker. */
    private interface Locks {
        /** Acquires the key's lock (waiting as long as it takes) and returns what put and release need. */
        String acquire(String key) throws Exception;

        void put(String key, String lock, String value) throws Exception;

        void release(String key, String lock) throws Exception;
    }

    private interface LocksFactory {
        Locks worker() throws Exception;
    }

    private record Result(String system, int round, Workload workload, long cycles, double seconds, Histogram micros) {
        String row() {
            return String.format("| %d | %s | %s | %d | %.0f | %.1f | %.1f | %.1f |", round, system, workload.name(), workload.workers(),
                    cycles / seconds, micros.getValueAtPercentile(50) / 1000.0, micros.getValueAtPercentile(99) / 1000.0,
                    micros.getMaxValue() / 1000.0);
        }
    }

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("dkv-lock-benchmark");
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
                            call(dkv.url("/v1/stores/lk"), "", "PUT");
                            for (Workload workload : WORKLOADS) {
                                results.add(measure("DKV", round, workload, () -> new DkvLocks(dkv)));
                            }
                        } finally {
                            BenchSystems.stop(process);
                        }
                    } else if (withEtcd) {
                        Endpoint etcd = new Endpoint("127.0.0.1", etcdPort);
                        Process process = BenchSystems.startEtcd(vertx, etcdCommand, work.resolve("etcd-" + round), etcd);
                        try {
                            for (Workload workload : WORKLOADS) {
                                results.add(measure("etcd", round, workload, () -> new EtcdLocks(etcd)));
                            }
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
        System.out.println("| round | system | workload | workers | cycles/s | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        results.forEach(r -> System.out.println(r.row()));
        if (withEtcd) {
            for (Workload workload : WORKLOADS) {
                double[] ratios = new double[rounds];
                for (int round = 1; round <= rounds; round++) {
                    ratios[round - 1] = rate(results, "DKV", round, workload) / rate(results, "etcd", round, workload);
                }
                System.out.printf("%s %d workers: DKV/etcd cycles per second, median over rounds %.2f%n", workload.name(), workload.workers(),
                        BenchSystems.median(ratios));
            }
        }
        return 0;
    }

    private static double rate(List<Result> results, String system, int round, Workload workload) {
        return results.stream().filter(r -> r.system().equals(system) && r.round() == round && r.workload().equals(workload))
                .mapToDouble(r -> r.cycles() / r.seconds()).findFirst().orElseThrow();
    }

    private Result measure(String system, int round, Workload workload, LocksFactory factory) throws Exception {
        System.out.printf("%s round %d: %s, %d workers, %d s warm-up, %d s measured...%n", system, round, workload.name(),
                workload.workers(), warmupSeconds, durationSeconds);
        Histogram micros = new Histogram(60_000_000L, 3);
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        long[] cycles = new long[workload.workers()];
        ExecutorService pool = Executors.newFixedThreadPool(workload.workers());
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < workload.workers(); w++) {
            int index = w;
            Locks locks = factory.worker();
            String key = workload.oneKey() ? "shared" : "key-" + w;
            workers.add(pool.submit(() -> {
                while (!stop.get()) {
                    long started = System.nanoTime();
                    String lock = locks.acquire(key);
                    locks.put(key, lock, "v" + started);
                    locks.release(key, lock);
                    if (measuring.get()) {
                        synchronized (micros) {
                            micros.recordValue(Math.max(1, (System.nanoTime() - started) / 1000));
                        }
                        cycles[index]++;
                    }
                }
                return null;
            }));
        }
        Thread.sleep(warmupSeconds * 1000L);
        measuring.set(true);
        long measureStart = System.nanoTime();
        Thread.sleep(durationSeconds * 1000L);
        measuring.set(false);
        double seconds = (System.nanoTime() - measureStart) / 1e9;
        stop.set(true);
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
        long total = 0;
        for (long c : cycles) {
            total += c;
        }
        return new Result(system, round, workload, total, seconds, micros);
    }

    private static final class DkvLocks implements Locks {
        private final Endpoint dkv;

        DkvLocks(Endpoint dkv) {
            this.dkv = dkv;
        }

        @Override
        public String acquire(String key) throws Exception {
            return call(dkv.url("/v1/stores/lk/locks/" + key), "{\"ttlMs\": 10000, \"waitMs\": 60000}", "POST").getString("handle");
        }

        @Override
        public void put(String key, String lock, String value) throws Exception {
            call(dkv.url("/v1/stores/lk/kv/" + key), value, "PUT", "DKV-Lock", lock);
        }

        @Override
        public void release(String key, String lock) throws Exception {
            call(dkv.url("/v1/stores/lk/locks/" + key), "", "DELETE", "DKV-Lock", lock);
        }
    }

    /** etcd's lock service: a lease per worker (its session, as etcd's clients keep one), the lock key it returns is what unlock takes. */
    private static final class EtcdLocks implements Locks {
        private final Endpoint etcd;
        private final String lease;

        EtcdLocks(Endpoint etcd) throws Exception {
            this.etcd = etcd;
            this.lease = call(etcd.url("/v3/lease/grant"), new JsonObject().put("TTL", 3600).encode(), "POST").getString("ID");
        }

        @Override
        public String acquire(String key) throws Exception {
            return call(etcd.url("/v3/lock/lock"), new JsonObject().put("name", b64(key)).put("lease", lease).encode(), "POST").getString("key");
        }

        @Override
        public void put(String key, String lock, String value) throws Exception {
            call(etcd.url("/v3/kv/put"), new JsonObject().put("key", b64(key)).put("value", b64(value)).encode(), "POST");
        }

        @Override
        public void release(String key, String lock) throws Exception {
            call(etcd.url("/v3/lock/unlock"), new JsonObject().put("key", lock).encode(), "POST");
        }

        private static String b64(String text) {
            return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static JsonObject call(String url, String body, String method, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(90))
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body().isEmpty() ? new JsonObject() : new JsonObject(response.body());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LockBenchmark()).execute(args));
    }
}
