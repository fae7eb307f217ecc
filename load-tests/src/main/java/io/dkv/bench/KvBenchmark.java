package io.dkv.bench;

import io.dkv.bench.BenchSystems.Endpoint;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Put and get throughput and latency of DKV over HTTP beside etcd 3.4 (its /v3 JSON gateway), each
 * measured alone: the benchmark starts one system on a fresh data directory, preloads its keys,
 * settles it, measures every workload at every client count, stops it, and only then starts the
 * other, so neither takes CPU from the other while it is measured. {@code --rounds} alternates the
 * two that often (DKV first in odd rounds, etcd first in even ones) and reports each ratio as the
 * median over the rounds, and DKV's idle CPU (no client, after the loads) beside them.
 * Closed-loop clients, 8-byte keys, fixed-size values. Prints Markdown tables for docs/BENCHMARKS.md.
 */
@Command(name = "kv-benchmark", mixinStandardHelpOptions = true)
public final class KvBenchmark implements Callable<Integer> {
    @Option(names = "--dkv-command", description = "starts a single-machine DKV; given --data-dir, --port and --kafka-port",
            defaultValue = "bin/dkv")
    String dkvCommand;

    @Option(names = "--etcd-command", description = "starts etcd, or 'none' to measure DKV only", defaultValue = "etcd")
    String etcdCommand;

    @Option(names = "--dkv-port", defaultValue = "7861")
    int dkvPort;

    @Option(names = "--kafka-port", defaultValue = "19092")
    int kafkaPort;

    @Option(names = "--etcd-port", defaultValue = "2379")
    int etcdPort;

    @Option(names = "--rounds", defaultValue = "3", description = "times each system is started, measured alone and stopped")
    int rounds;

    @Option(names = "--clients", split = ",", defaultValue = "1,16,64", description = "client counts, measured in this order")
    List<Integer> clients;

    @Option(names = "--warmup-s", defaultValue = "3")
    int warmupSeconds;

    @Option(names = "--duration-s", defaultValue = "10")
    int durationSeconds;

    @Option(names = "--value-bytes", defaultValue = "256")
    int valueBytes;

    @Option(names = "--keys", defaultValue = "10000")
    int keys;

    @Option(names = "--store", defaultValue = "bench")
    String store;

    @Option(names = "--stores", description = "spread DKV keys over this many stores (store, store1, …): several ordering domains",
            defaultValue = "1")
    int stores;

    @Option(names = "--settle-s", defaultValue = "60",
            description = "drive each system (64 clients, puts then gets) this long after its start, before measuring: DKV's JIT compiler settles; etcd is compiled ahead of time")
    int settleSeconds;

    @Option(names = "--idle-s", defaultValue = "20", description = "how long DKV's idle CPU is measured after its loads")
    int idleSeconds;

    @Option(names = "--work-dir", description = "data directories and logs (default: a new temporary directory)")
    Path workDir;

    @Option(names = "--workloads", split = ",", description = "which of put, get to run", defaultValue = "put,get")
    List<String> workloads;

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("dkv-kv-benchmark");
        Vertx vertx = Vertx.vertx();
        try {
            byte[] value = "v".repeat(valueBytes).getBytes(StandardCharsets.UTF_8);
            boolean withEtcd = !etcdCommand.equals("none");
            List<List<ClosedLoopLoad.Result>> measured = new ArrayList<>();
            List<Double> idleCpu = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                List<ClosedLoopLoad.Result> results = new ArrayList<>();
                boolean dkvFirst = round % 2 == 1 || !withEtcd;
                for (String system : dkvFirst ? List.of("DKV", "etcd") : List.of("etcd", "DKV")) {
                    if (system.equals("DKV")) {
                        idleCpu.add(measureDkv(vertx, work.resolve("dkv-" + round), value, results));
                    } else if (withEtcd) {
                        measureEtcd(vertx, work.resolve("etcd-" + round), value, results);
                    }
                }
                measured.add(results);
                System.out.printf("round %d of %d done%n", round, rounds);
            }
            ClosedLoopLoad.printRounds(measured);
            System.out.println();
            System.out.printf("DKV idle CPU (%d s without clients, after the loads): %s %% of a core per round, median %.1f %%%n",
                    idleSeconds, idleCpu.stream().map(c -> String.format("%.1f", c)).toList(),
                    BenchSystems.median(idleCpu.stream().mapToDouble(Double::doubleValue).toArray()));
            if (withEtcd) {
                for (int n : clients) {
                    System.out.printf("clients=%d, median of %d rounds: %s%n", n, measured.size(), describe(comparisons(), c -> BenchSystems.median(
                            measured.stream().mapToDouble(results -> ratio(results, c.dkv(), c.etcd(), n)).toArray())));
                }
            }
            return 0;
        } finally {
            vertx.close().await();
        }
    }

    /** Starts DKV alone, measures it, measures its idle CPU, stops it. @return idle CPU, % of a core */
    private double measureDkv(Vertx vertx, Path dir, byte[] value, List<ClosedLoopLoad.Result> results) throws Exception {
        Endpoint endpoint = new Endpoint("localhost", dkvPort);
        Process dkv = BenchSystems.startDkv(vertx, dkvCommand, dir, endpoint, kafkaPort);
        try {
            HttpClient setup = vertx.createHttpClient();
            for (int i = 0; i < stores; i++) {
                setup.request(HttpMethod.PUT, endpoint.port(), endpoint.host(), "/v1/stores/" + storeOf(i)).compose(r -> r.send()).await();
            }
            setup.close().await();
            preload(vertx, i -> dkvPut(endpoint, i, value));
            settle(vertx, "DKV", i -> dkvPut(endpoint, i, value), i -> dkvGet(endpoint, i));
            for (int n : clients) {
                if (workloads.contains("put")) {
                    results.add(load(vertx, "DKV put", n, i -> dkvPut(endpoint, i, value)));
                }
                if (workloads.contains("get")) {
                    results.add(load(vertx, "DKV get", n, i -> dkvGet(endpoint, i)));
                }
            }
            return idleCpu(dkv);
        } finally {
            BenchSystems.stop(dkv);
        }
    }

    /** Starts etcd alone on loopback, measures it, stops it. */
    private void measureEtcd(Vertx vertx, Path dir, byte[] value, List<ClosedLoopLoad.Result> results) throws Exception {
        Endpoint endpoint = new Endpoint("127.0.0.1", etcdPort);
        Process etcd = BenchSystems.startEtcd(vertx, etcdCommand, dir, endpoint);
        try {
            preload(vertx, i -> etcdPut(endpoint, i, value));
            settle(vertx, "etcd", i -> etcdPut(endpoint, i, value), i -> etcdGet(endpoint, i, false));
            for (int n : clients) {
                if (workloads.contains("put")) {
                    results.add(load(vertx, "etcd put", n, i -> etcdPut(endpoint, i, value)));
                }
                if (workloads.contains("get")) {
                    results.add(load(vertx, "etcd get (linearizable)", n, i -> etcdGet(endpoint, i, false)));
                    results.add(load(vertx, "etcd get (serializable)", n, i -> etcdGet(endpoint, i, true)));
                }
            }
        } finally {
            BenchSystems.stop(etcd);
        }
    }

    private void settle(Vertx vertx, String name, IntFunction<ClosedLoopLoad.Call> puts, IntFunction<ClosedLoopLoad.Call> gets)
            throws InterruptedException {
        if (settleSeconds > 0) {
            System.out.printf("settling %s for %d s (not measured)...%n", name, settleSeconds);
            ClosedLoopLoad.run(vertx, "settle put", 64, 0, settleSeconds * 500L, puts);
            ClosedLoopLoad.run(vertx, "settle get", 64, 0, settleSeconds * 500L, gets);
        }
    }

    /** The process's CPU time over {@code --idle-s} without clients, in % of one core. */
    private double idleCpu(Process process) throws InterruptedException {
        Duration before = BenchSystems.cpu(process);
        long started = System.nanoTime();
        Thread.sleep(idleSeconds * 1000L);
        Duration used = BenchSystems.cpu(process).minus(before);
        double percent = 100.0 * used.toNanos() / (System.nanoTime() - started);
        System.out.printf("  DKV idle CPU over %d s: %.1f %% of a core%n", idleSeconds, percent);
        return percent;
    }

    /** Writes every key once, so gets always find their key. Not measured. */
    private void preload(Vertx vertx, IntFunction<ClosedLoopLoad.Call> puts) throws InterruptedException {
        System.out.printf("preloading %d keys...%n", keys);
        for (int i = 0; i < keys; i += 64) {
            int from = i;
            ClosedLoopLoad.Result r = ClosedLoopLoad.runCount(vertx, 64, Math.min(64, keys - from), n -> puts.apply(from + n));
            if (r.errors() > 0) {
                throw new IllegalStateException("preload failed: " + r.errors() + " errors");
            }
        }
    }

    private ClosedLoopLoad.Result load(Vertx vertx, String name, int n, IntFunction<ClosedLoopLoad.Call> calls)
            throws InterruptedException {
        System.out.printf("%s with %d clients: %d s warm-up, %d s measured...%n", name, n, warmupSeconds, durationSeconds);
        ClosedLoopLoad.Result result = ClosedLoopLoad.run(vertx, name, n, warmupSeconds * 1000L, durationSeconds * 1000L, calls);
        System.out.println("  " + result.row());
        return result;
    }

    /** A throughput ratio printed for each step: DKV's workload against etcd's. */
    private record Comparison(String label, String dkv, String etcd) {
    }

    /** The comparisons of the workloads measured. */
    private List<Comparison> comparisons() {
        List<Comparison> comparisons = new ArrayList<>();
        if (workloads.contains("put")) {
            comparisons.add(new Comparison("put", "DKV put", "etcd put"));
        }
        if (workloads.contains("get")) {
            comparisons.add(new Comparison("get(linearizable)", "DKV get", "etcd get (linearizable)"));
            comparisons.add(new Comparison("get(serializable)", "DKV get", "etcd get (serializable)"));
        }
        return comparisons;
    }

    private static String describe(List<Comparison> comparisons, ToDoubleFunction<Comparison> ratio) {
        return comparisons.stream().map(c -> String.format("%s DKV/etcd = %.2f", c.label(), ratio.applyAsDouble(c)))
                .collect(Collectors.joining(", "));
    }

    /** DKV's throughput over etcd's, in one round, at {@code clients}. */
    private static double ratio(List<ClosedLoopLoad.Result> round, String a, String b, int clients) {
        return throughput(round, a, clients) / throughput(round, b, clients);
    }

    private static double throughput(List<ClosedLoopLoad.Result> round, String name, int clients) {
        return round.stream().filter(r -> r.name().equals(name) && r.clients() == clients)
                .mapToDouble(ClosedLoopLoad.Result::throughput).findFirst().orElse(Double.NaN);
    }

    private String key(int i) {
        return String.format("k%07d", i % keys);
    }

    private ClosedLoopLoad.Call dkvPut(Endpoint e, int i, byte[] value) {
        return new ClosedLoopLoad.Call(e.options(HttpMethod.PUT, "/v1/stores/" + storeOf(i) + "/kv/" + key(i)), Buffer.buffer(value));
    }

    private ClosedLoopLoad.Call dkvGet(Endpoint e, int i) {
        return new ClosedLoopLoad.Call(e.options(HttpMethod.GET, "/v1/stores/" + storeOf(i) + "/kv/" + key(i)), null);
    }

    private String storeOf(int i) {
        int n = Math.floorMod(i % keys, stores);
        return n == 0 ? store : store + n;
    }

    private ClosedLoopLoad.Call etcdPut(Endpoint e, int i, byte[] value) {
        JsonObject body = new JsonObject().put("key", b64(key(i).getBytes(StandardCharsets.UTF_8))).put("value", b64(value));
        return new ClosedLoopLoad.Call(e.options(HttpMethod.POST, "/v3/kv/put"), body.toBuffer());
    }

    private ClosedLoopLoad.Call etcdGet(Endpoint e, int i, boolean serializable) {
        JsonObject body = new JsonObject().put("key", b64(key(i).getBytes(StandardCharsets.UTF_8)));
        if (serializable) {
            body.put("serializable", true);
        }
        return new ClosedLoopLoad.Call(e.options(HttpMethod.POST, "/v3/kv/range"), body.toBuffer());
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new KvBenchmark()).execute(args));
    }
}
