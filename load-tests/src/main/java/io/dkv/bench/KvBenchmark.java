package io.dkv.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Put and get throughput and latency of DKV over HTTP next to etcd 3.4 (its /v3 JSON gateway),
 * driven the same way in the same run: closed-loop clients, 8-byte keys, fixed-size values.
 * Prints a Markdown table (for docs/BENCHMARKS.md) and the DKV/etcd ratios.
 */
@Command(name = "kv-benchmark", mixinStandardHelpOptions = true)
public final class KvBenchmark implements Callable<Integer> {
    @Option(names = "--dkv", description = "DKV host:port", defaultValue = "localhost:7861")
    String dkv;

    @Option(names = "--etcd", description = "etcd host:port, or 'none'", defaultValue = "127.0.0.1:2379")
    String etcd;

    @Option(names = "--clients", split = ",", defaultValue = "1,16,64",
            description = "client counts, measured in this order; a count given several times (64,64,64) alternates DKV and etcd that often and also prints the median ratio")
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

    @Option(names = "--settle-s", defaultValue = "0",
            description = "drive DKV (64 clients, puts then gets) this long before measuring anything, so its JIT compiler has settled; etcd is compiled ahead of time")
    int settleSeconds;

    @Option(names = "--workloads", split = ",", description = "which of put, get to run", defaultValue = "put,get")
    List<String> workloads;

    @Override
    public Integer call() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            byte[] value = "v".repeat(valueBytes).getBytes(StandardCharsets.UTF_8);
            Endpoint dkvEndpoint = Endpoint.parse(dkv);
            // Vert.x closes a client nobody references once it is collected, even mid-request.
            HttpClient setup = vertx.createHttpClient();
            for (int i = 0; i < stores; i++) {
                setup.request(HttpMethod.PUT, dkvEndpoint.port, dkvEndpoint.host, "/v1/stores/" + storeOf(i))
                        .compose(r -> r.send()).await();
            }
            setup.close().await();
            preload(vertx, dkvEndpoint, value);
            if (settleSeconds > 0) {
                System.out.printf("settling DKV for %d s (not measured)...%n", settleSeconds);
                ClosedLoopLoad.run(vertx, "settle put", 64, 0, settleSeconds * 500L, i -> dkvPut(dkvEndpoint, i, value));
                ClosedLoopLoad.run(vertx, "settle get", 64, 0, settleSeconds * 500L, i -> dkvGet(dkvEndpoint, i));
            }
            // One step per entry of --clients, DKV then etcd in each: repeating a client count
            // alternates the two several times, so a drift of this shared machine reaches both.
            List<List<ClosedLoopLoad.Result>> steps = new ArrayList<>();
            for (int n : clients) {
                List<ClosedLoopLoad.Result> step = new ArrayList<>();
                if (workloads.contains("put")) {
                    step.add(load(vertx, "DKV put", n, i -> dkvPut(dkvEndpoint, i, value)));
                    if (!etcd.equals("none")) {
                        step.add(load(vertx, "etcd put", n, i -> etcdPut(Endpoint.parse(etcd), i, value)));
                    }
                }
                if (workloads.contains("get")) {
                    step.add(load(vertx, "DKV get", n, i -> dkvGet(dkvEndpoint, i)));
                }
                if (workloads.contains("get") && !etcd.equals("none")) {
                    step.add(load(vertx, "etcd get (linearizable)", n, i -> etcdGet(Endpoint.parse(etcd), i, false)));
                    step.add(load(vertx, "etcd get (serializable)", n, i -> etcdGet(Endpoint.parse(etcd), i, true)));
                }
                steps.add(step);
            }
            System.out.println();
            System.out.println("| workload | clients | ops/s | p50 ms | p99 ms | p99.9 ms | errors |");
            System.out.println("|---|---|---|---|---|---|---|");
            steps.forEach(step -> step.forEach(r -> System.out.println(r.row())));
            if (!etcd.equals("none")) {
                System.out.println();
                List<Comparison> comparisons = comparisons();
                for (List<ClosedLoopLoad.Result> step : steps) {
                    System.out.printf("clients=%d: %s%n", step.get(0).clients(),
                            describe(comparisons, c -> ratio(step, c.dkv(), c.etcd())));
                }
                printMedians(steps, comparisons);
            }
            return 0;
        } finally {
            vertx.close().await();
        }
    }

    /** Writes every key once to both systems, so gets always find their key. Not measured. */
    private void preload(Vertx vertx, Endpoint dkvEndpoint, byte[] value) throws InterruptedException {
        System.out.printf("preloading %d keys...%n", keys);
        for (int i = 0; i < keys; i += 64) {
            int from = i;
            ClosedLoopLoad.Result r = ClosedLoopLoad.runCount(vertx, 64, Math.min(64, keys - from), n -> dkvPut(dkvEndpoint, from + n, value));
            if (!etcd.equals("none")) {
                ClosedLoopLoad.runCount(vertx, 64, Math.min(64, keys - from), n -> etcdPut(Endpoint.parse(etcd), from + n, value));
            }
            if (r.errors() > 0) {
                throw new IllegalStateException("preload failed: " + r.errors() + " errors");
            }
        }
    }

    private ClosedLoopLoad.Result load(Vertx vertx, String name, int n, java.util.function.IntFunction<ClosedLoopLoad.Call> calls)
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

    /** For a client count measured in several steps, the median of its steps' ratios. */
    private void printMedians(List<List<ClosedLoopLoad.Result>> steps, List<Comparison> comparisons) {
        clients.stream().distinct().filter(n -> clients.stream().filter(n::equals).count() > 1).forEach(n -> {
            List<List<ClosedLoopLoad.Result>> same = steps.stream().filter(step -> step.get(0).clients() == n).toList();
            System.out.printf("clients=%d, median of %d alternations: %s%n", n, same.size(), describe(comparisons,
                    c -> median(same.stream().mapToDouble(step -> ratio(step, c.dkv(), c.etcd())).toArray())));
        });
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double ratio(List<ClosedLoopLoad.Result> step, String a, String b) {
        return throughput(step, a) / throughput(step, b);
    }

    private static double throughput(List<ClosedLoopLoad.Result> step, String name) {
        return step.stream().filter(r -> r.name().equals(name)).mapToDouble(ClosedLoopLoad.Result::throughput).findFirst().orElse(Double.NaN);
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

    private record Endpoint(String host, int port) {
        static Endpoint parse(String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            return new Endpoint(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        }

        RequestOptions options(HttpMethod method, String uri) {
            return new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(uri).setTimeout(30_000);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new KvBenchmark()).execute(args));
    }
}
