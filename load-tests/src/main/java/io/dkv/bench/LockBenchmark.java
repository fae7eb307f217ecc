package io.dkv.bench;

import io.dkv.bench.BenchSystems.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Lock cycles "acquire → put with the lock → release", DKV beside etcd 3.4 (its /v3 JSON gateway:
 * {@code /v3/lock/lock} on a lease per worker, {@code /v3/kv/put}, {@code /v3/lock/unlock}), each system
 * started alone on a fresh data directory, settled, measured, stopped, alternately for {@code --rounds}.
 * Workloads: uncontended (each worker its own key) with 1 and 64 workers, contended (one key) with 16 and
 * 64. Each worker is a closed loop over one kept-alive HTTP/1.1 connection of the same Vert.x client for
 * both systems, its next call sent when the previous one answered; a cycle's latency is from the acquire's
 * send to the release's answer. DKV's put carries the handle and is refused if the lock is gone; etcd's put
 * is not checked (etcd has no lock enforcement), which only helps etcd.
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

    @Option(names = "--settle-s", defaultValue = "60",
            description = "drive each system (64 uncontended workers) this long after its start, before measuring: DKV's JIT compiler settles; etcd is compiled ahead of time")
    int settleSeconds;

    @Option(names = "--work-dir")
    Path workDir;

    private static final List<Workload> WORKLOADS = List.of(new Workload("uncontended", 1, false), new Workload("uncontended", 64, false),
            new Workload("contended", 16, true), new Workload("contended", 64, true));

    private record Workload(String name, int workers, boolean oneKey) {
    }

    /** One system's lock API; one instance per worker, its calls one at a time. */
    private interface Locks {
        /** Acquires the key's lock (waiting as long as it takes) and gives what put and release need. */
        Future<String> acquire(String key);

        Future<Void> put(String key, String lock, String value);

        Future<Void> release(String key, String lock);
    }

    private interface LocksFactory {
        Locks worker(HttpClient http);
    }

    private record Result(String system, int round, Workload workload, long cycles, long errors, double seconds, Histogram micros) {
        String row() {
            return String.format("| %d | %s | %s | %d | %.0f | %.1f | %.1f | %.1f | %d |", round, system, workload.name(), workload.workers(),
                    cycles / seconds, micros.getValueAtPercentile(50) / 1000.0, micros.getValueAtPercentile(99) / 1000.0,
                    micros.getMaxValue() / 1000.0, errors);
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
                            HttpClient setup = vertx.createHttpClient();
                            call(setup, dkv, HttpMethod.PUT, "/v1/stores/lk", "").await();
                            setup.close().await();
                            measureAll(vertx, "DKV", round, http -> new DkvLocks(http, dkv), results);
                        } finally {
                            BenchSystems.stop(process);
                        }
                    } else if (withEtcd) {
                        Endpoint etcd = new Endpoint("127.0.0.1", etcdPort);
                        Process process = BenchSystems.startEtcd(vertx, etcdCommand, work.resolve("etcd-" + round), etcd);
                        try {
                            measureAll(vertx, "etcd", round, http -> new EtcdLocks(http, etcd), results);
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
        System.out.println("| round | system | workload | workers | cycles/s | p50 ms | p99 ms | max ms | errors |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
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

    private void measureAll(Vertx vertx, String system, int round, LocksFactory factory, List<Result> results) throws InterruptedException {
        if (settleSeconds > 0) {
            System.out.printf("settling %s for %d s (64 uncontended workers, not measured)...%n", system, settleSeconds);
            run(vertx, system, round, new Workload("settle", 64, false), factory, 0, settleSeconds);
        }
        for (Workload workload : WORKLOADS) {
            System.out.printf("%s round %d: %s, %d workers, %d s warm-up, %d s measured...%n", system, round, workload.name(),
                    workload.workers(), warmupSeconds, durationSeconds);
            results.add(run(vertx, system, round, workload, factory, warmupSeconds, durationSeconds));
        }
    }

    private static double rate(List<Result> results, String system, int round, Workload workload) {
        return results.stream().filter(r -> r.system().equals(system) && r.round() == round && r.workload().equals(workload))
                .mapToDouble(r -> r.cycles() / r.seconds()).findFirst().orElseThrow();
    }

    /** Runs the workload's workers for the warm-up and the measurement, then waits for each to end its cycle. */
    private static Result run(Vertx vertx, String system, int round, Workload workload, LocksFactory factory, int warmupSeconds,
            int durationSeconds) throws InterruptedException {
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(workload.workers()));
        Histogram micros = new Histogram(60_000_000L, 3);
        AtomicLong cycles = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(workload.workers());
        for (int w = 0; w < workload.workers(); w++) {
            Locks locks = factory.worker(http);
            String key = workload.oneKey() ? "shared" : "key-" + w;
            vertx.runOnContext(v -> cycle(locks, key, micros, cycles, errors, firstError, measuring, stop, done));
        }
        Thread.sleep(warmupSeconds * 1000L);
        measuring.set(true);
        long measureStart = System.nanoTime();
        Thread.sleep(durationSeconds * 1000L);
        measuring.set(false);
        double seconds = (System.nanoTime() - measureStart) / 1e9;
        stop.set(true);
        if (!done.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(done.getCount() + " workers did not end their cycle within 120 s");
        }
        http.close().await();
        if (firstError.get() != null) {
            System.out.println("first error: " + firstError.get());
        }
        synchronized (micros) {
            return new Result(system, round, workload, cycles.get(), errors.get(), seconds, micros.copy());
        }
    }

    /** One worker's closed loop: a cycle, then the next as soon as it ended, until {@code stop}. */
    private static void cycle(Locks locks, String key, Histogram micros, AtomicLong cycles, AtomicLong errors,
            AtomicReference<Throwable> firstError, AtomicBoolean measuring, AtomicBoolean stop, CountDownLatch done) {
        if (stop.get()) {
            done.countDown();
            return;
        }
        long started = System.nanoTime();
        boolean measured = measuring.get();
        locks.acquire(key).compose(lock -> locks.put(key, lock, "v" + started).compose(v -> locks.release(key, lock))).onComplete(ar -> {
            if (measured && measuring.get()) {
                if (ar.succeeded()) {
                    synchronized (micros) {
                        micros.recordValue(Math.max(1, (System.nanoTime() - started) / 1000));
                    }
                    cycles.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                }
            }
            if (ar.failed()) {
                firstError.compareAndSet(null, ar.cause());
            }
            cycle(locks, key, micros, cycles, errors, firstError, measuring, stop, done);
        });
    }

    private static final class DkvLocks implements Locks {
        private final HttpClient http;
        private final Endpoint dkv;

        DkvLocks(HttpClient http, Endpoint dkv) {
            this.http = http;
            this.dkv = dkv;
        }

        @Override
        public Future<String> acquire(String key) {
            return call(http, dkv, HttpMethod.POST, "/v1/stores/lk/locks/" + key, "{\"ttlMs\": 10000, \"waitMs\": 60000}")
                    .map(answer -> answer.getString("handle"));
        }

        @Override
        public Future<Void> put(String key, String lock, String value) {
            return call(http, dkv, HttpMethod.PUT, "/v1/stores/lk/kv/" + key, value, "DKV-Lock", lock).mapEmpty();
        }

        @Override
        public Future<Void> release(String key, String lock) {
            return call(http, dkv, HttpMethod.DELETE, "/v1/stores/lk/locks/" + key, "", "DKV-Lock", lock).mapEmpty();
        }
    }

    /** etcd's lock service: a lease per worker (its session, as etcd's clients keep one), the lock key it returns is what unlock takes. */
    private static final class EtcdLocks implements Locks {
        private final HttpClient http;
        private final Endpoint etcd;
        private final Future<String> lease;

        EtcdLocks(HttpClient http, Endpoint etcd) {
            this.http = http;
            this.etcd = etcd;
            this.lease = call(http, etcd, HttpMethod.POST, "/v3/lease/grant", new JsonObject().put("TTL", 3600).encode())
                    .map(answer -> answer.getString("ID"));
        }

        @Override
        public Future<String> acquire(String key) {
            return lease.compose(id -> call(http, etcd, HttpMethod.POST, "/v3/lock/lock",
                    new JsonObject().put("name", b64(key)).put("lease", id).encode())).map(answer -> answer.getString("key"));
        }

        @Override
        public Future<Void> put(String key, String lock, String value) {
            return call(http, etcd, HttpMethod.POST, "/v3/kv/put", new JsonObject().put("key", b64(key)).put("value", b64(value)).encode())
                    .mapEmpty();
        }

        @Override
        public Future<Void> release(String key, String lock) {
            return call(http, etcd, HttpMethod.POST, "/v3/lock/unlock", new JsonObject().put("key", lock).encode()).mapEmpty();
        }

        private static String b64(String text) {
            return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** One call, failed unless answered with a 2xx; a contended acquire may wait up to its 60 s wait. */
    private static Future<JsonObject> call(HttpClient http, Endpoint endpoint, HttpMethod method, String path, String body,
            String... headers) {
        RequestOptions options = endpoint.options(method, path).setTimeout(90_000);
        for (int i = 0; i < headers.length; i += 2) {
            options.putHeader(headers[i], headers[i + 1]);
        }
        return http.request(options).compose(request -> request.send(Buffer.buffer(body))).compose(response -> response.body().map(b -> {
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + b);
            }
            return b.length() == 0 ? new JsonObject() : b.toJsonObject();
        }));
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LockBenchmark()).execute(args));
    }
}
