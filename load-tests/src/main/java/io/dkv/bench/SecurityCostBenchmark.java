package io.dkv.bench;

import io.dkv.bench.BenchSystems.Endpoint;
import io.dkv.gateway.auth.internals.TokenHash;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What security costs on the hot paths: the same build of DKV measured with plain HTTP and no
 * authentication ("plain"), with an access file and a bearer token on every request over plain HTTP
 * ("token": authentication and authorization alone), and with HTTPS (a self-signed certificate)
 * besides ("TLS + token"); each started on a fresh data directory, measured alone and stopped, in a
 * rotating order, for {@code --rounds}. Prints every round and the median throughput ratio to plain
 * per workload, and the CPU time per operation of DKV and of the load generator, which share the
 * machine: what TLS costs DKV itself, apart from what it costs the load. The load keeps its
 * connections (HTTP/1.1 keep-alive), as clients do, so the TLS handshake is paid once per connection.
 */
@Command(name = "security-cost-benchmark", mixinStandardHelpOptions = true)
public final class SecurityCostBenchmark implements Callable<Integer> {
    @Option(names = "--dkv-command", required = true, description = "bin/dkv")
    String dkvCommand;

    @Option(names = "--dkv-port", defaultValue = "7861")
    int dkvPort;

    @Option(names = "--kafka-port", defaultValue = "19092")
    int kafkaPort;

    @Option(names = "--rounds", defaultValue = "3", description = "times each configuration is started, measured alone and stopped")
    int rounds;

    @Option(names = "--clients", defaultValue = "64")
    int clients;

    @Option(names = "--warmup-s", defaultValue = "3")
    int warmupSeconds;

    @Option(names = "--duration-s", defaultValue = "10")
    int durationSeconds;

    @Option(names = "--settle-s", defaultValue = "30", description = "load before measuring, not measured (JIT, RocksDB, page cache)")
    int settleSeconds;

    @Option(names = "--value-bytes", defaultValue = "256")
    int valueBytes;

    @Option(names = "--keys", defaultValue = "10000")
    int keys;

    @Option(names = "--work-dir", description = "data directories, logs and the certificate (default: a new temporary directory)")
    Path workDir;

    private static final String STORE = "bench";
    private static final String PLAIN = "plain";
    private static final String TOKEN = "token";
    private static final String SECURED = "TLS + token";

    /** CPU time per operation of one measured workload: DKV's process and this load generator's. */
    private record CpuPerOperation(String name, double dkvMicros, double loadMicros) {
    }

    private final List<CpuPerOperation> cpuPerOperation = new ArrayList<>();

    /** One way to run DKV: its name in the results, how to reach it, its extra flags. */
    private record Configuration(String name, Endpoint endpoint, String[] args) {
    }

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("dkv-security-benchmark");
        Files.createDirectories(work);
        Vertx vertx = Vertx.vertx();
        SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
        String token = TokenHash.newToken();
        Path accessFile = work.resolve("access.json");
        Files.writeString(accessFile, new JsonObject()
                .put("principals", new JsonObject().put("bench", new JsonObject()
                        .put("tokens", new JsonArray().add(TokenHash.stored(token))).put("roles", new JsonArray().add("rw"))))
                .put("roles", new JsonObject().put("rw", new JsonArray().add(new JsonObject().put("store", STORE)
                        .put("actions", new JsonArray().add("read").add("write").add("admin"))))).encodePrettily());
        try {
            byte[] value = "v".repeat(valueBytes).getBytes(StandardCharsets.UTF_8);
            Endpoint plain = new Endpoint("localhost", dkvPort);
            Endpoint tokenOnly = new Endpoint("localhost", dkvPort, new HttpClientOptions(), "Bearer " + token);
            // The load shares the machine with DKV: its own TLS runs in BoringSSL too where it loads, so
            // that it takes as little of the CPU DKV is measured on as it can.
            HttpClientOptions tls = new HttpClientOptions().setSsl(true).setTrustOptions(certificate.trustOptions());
            if (OpenSSLEngineOptions.isAvailable()) {
                tls.setSslEngineOptions(new OpenSSLEngineOptions());
            }
            Endpoint secured = new Endpoint("localhost", dkvPort, tls, "Bearer " + token);
            String[] accessArgs = {"--access-file", accessFile.toString()};
            String[] securedArgs = {"--tls-cert-file", certificate.certificatePath(), "--tls-key-file", certificate.privateKeyPath(),
                "--access-file", accessFile.toString()};
            List<Configuration> configurations = List.of(new Configuration(PLAIN, plain, new String[0]),
                    new Configuration(TOKEN, tokenOnly, accessArgs), new Configuration(SECURED, secured, securedArgs));
            List<List<ClosedLoopLoad.Result>> measured = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                List<ClosedLoopLoad.Result> results = new ArrayList<>();
                List<Configuration> order = new ArrayList<>(configurations);
                // Each configuration takes each place in the order in turn, so warming of the machine favours none.
                java.util.Collections.rotate(order, round - 1);
                for (Configuration configuration : order) {
                    measure(vertx, work.resolve(configuration.name().replace(' ', '-').replace("+", "") + "-" + round),
                            configuration.name(), configuration.endpoint(), configuration.args(), value, results);
                }
                measured.add(results);
                System.out.printf("round %d of %d done%n", round, rounds);
            }
            ClosedLoopLoad.printRounds(measured);
            System.out.println();
            for (String workload : List.of("put", "get")) {
                for (String name : List.of(TOKEN, SECURED)) {
                    double[] ratios = measured.stream().mapToDouble(results -> throughput(results, name + " " + workload)
                            / throughput(results, PLAIN + " " + workload)).toArray();
                    System.out.printf("%s, %d clients: %s / plain throughput per round %s, median %.3f%n", workload, clients, name,
                            java.util.Arrays.stream(ratios).mapToObj(r -> String.format("%.3f", r)).toList(), BenchSystems.median(ratios));
                }
            }
            System.out.println();
            System.out.println("| workload | configuration | DKV CPU µs per operation (median) | load generator CPU µs per operation (median) |");
            System.out.println("|---|---|---|---|");
            for (String workload : List.of("put", "get")) {
                for (String name : List.of(PLAIN, TOKEN, SECURED)) {
                    String key = name + " " + workload;
                    System.out.printf("| %s | %s | %.1f | %.1f |%n", workload, name,
                            BenchSystems.median(cpuPerOperation.stream().filter(c -> c.name().equals(key)).mapToDouble(CpuPerOperation::dkvMicros).toArray()),
                            BenchSystems.median(cpuPerOperation.stream().filter(c -> c.name().equals(key)).mapToDouble(CpuPerOperation::loadMicros).toArray()));
                }
            }
            return 0;
        } finally {
            certificate.delete();
            vertx.close().await();
        }
    }

    private void measure(Vertx vertx, Path dir, String name, Endpoint endpoint, String[] args, byte[] value,
            List<ClosedLoopLoad.Result> results) throws Exception {
        Process dkv = BenchSystems.startDkv(vertx, dkvCommand, dir, endpoint, kafkaPort, args);
        try {
            ClosedLoopLoad.Result created = ClosedLoopLoad.runCount(vertx, 1, 1,
                    i -> new ClosedLoopLoad.Call(endpoint.options(HttpMethod.PUT, "/v1/stores/" + STORE), Buffer.buffer()), i -> { },
                    endpoint.client());
            if (created.errors() > 0) {
                throw new IllegalStateException(name + ": the store could not be created; see " + dir);
            }
            IntFunction<ClosedLoopLoad.Call> puts = i -> new ClosedLoopLoad.Call(endpoint.options(HttpMethod.PUT, path(i)), Buffer.buffer(value));
            IntFunction<ClosedLoopLoad.Call> gets = i -> new ClosedLoopLoad.Call(endpoint.options(HttpMethod.GET, path(i)), null);
            // One batch over one set of connections: a TLS handshake per connection, not per batch.
            ClosedLoopLoad.Result preload = ClosedLoopLoad.runCount(vertx, clients, keys, puts, n -> { }, endpoint.client());
            if (preload.errors() > 0) {
                throw new IllegalStateException(name + ": preload failed with " + preload.errors() + " errors");
            }
            if (settleSeconds > 0) {
                System.out.printf("settling %s for %d s (not measured)...%n", name, settleSeconds);
                ClosedLoopLoad.run(vertx, "settle", clients, 0, settleSeconds * 500L, puts, endpoint.client());
                ClosedLoopLoad.run(vertx, "settle", clients, 0, settleSeconds * 500L, gets, endpoint.client());
            }
            for (String workload : List.of("put", "get")) {
                System.out.printf("%s %s with %d clients: %d s warm-up, %d s measured...%n", name, workload, clients, warmupSeconds,
                        durationSeconds);
                Duration dkvBefore = BenchSystems.cpu(dkv);
                Duration loadBefore = ownCpu();
                long started = System.nanoTime();
                ClosedLoopLoad.Result result = ClosedLoopLoad.run(vertx, name + " " + workload, clients, warmupSeconds * 1000L,
                        durationSeconds * 1000L, workload.equals("put") ? puts : gets, endpoint.client());
                // Warm-up and measurement run the same load, so CPU over both per operation at the measured rate.
                double operations = result.throughput() * (System.nanoTime() - started) / 1e9;
                CpuPerOperation cpu = new CpuPerOperation(name + " " + workload,
                        BenchSystems.cpu(dkv).minus(dkvBefore).toNanos() / 1e3 / operations, ownCpu().minus(loadBefore).toNanos() / 1e3 / operations);
                System.out.println("  " + result.row());
                System.out.printf("  CPU per operation: DKV %.1f µs, load generator %.1f µs%n", cpu.dkvMicros(), cpu.loadMicros());
                results.add(result);
                cpuPerOperation.add(cpu);
            }
        } finally {
            BenchSystems.stop(dkv);
        }
    }

    private static Duration ownCpu() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow();
    }

    private String path(int i) {
        return "/v1/stores/" + STORE + "/kv/" + String.format("k%07d", i % keys);
    }

    private static double throughput(List<ClosedLoopLoad.Result> results, String name) {
        return results.stream().filter(r -> r.name().equals(name)).mapToDouble(ClosedLoopLoad.Result::throughput).findFirst().orElse(Double.NaN);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SecurityCostBenchmark()).execute(args));
    }
}
