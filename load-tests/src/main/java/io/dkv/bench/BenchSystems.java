package io.dkv.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

/**
 * Starting, waiting for and stopping the systems a benchmark measures (a single-machine DKV, a
 * single-node etcd), each on a fresh data directory with its log beside it, and the statistics the
 * benchmarks share.
 */
final class BenchSystems {
    private BenchSystems() {
    }

    /**
     * An HTTP endpoint of a system under test.
     *
     * @param client how to connect: plain HTTP, or TLS with the certificate to trust
     * @param authorization the Authorization header of every request, or null
     */
    record Endpoint(String host, int port, HttpClientOptions client, String authorization) {
        Endpoint(String host, int port) {
            this(host, port, new HttpClientOptions(), null);
        }

        RequestOptions options(HttpMethod method, String uri) {
            RequestOptions options = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(uri).setTimeout(30_000);
            return authorization == null ? options : options.putHeader("Authorization", authorization);
        }

        String url(String path) {
            return (client.isSsl() ? "https://" : "http://") + host + ":" + port + path;
        }
    }

    /** Starts {@code dkvCommand} (bin/dkv) on a fresh data directory under {@code dir} and waits for /ready. */
    static Process startDkv(Vertx vertx, String dkvCommand, Path dir, Endpoint endpoint, int kafkaPort, String... extraArgs)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(dkvCommand, "--data-dir", dir.resolve("data").toString(),
                "--port", Integer.toString(endpoint.port()), "--kafka-port", Integer.toString(kafkaPort)));
        command.addAll(List.of(extraArgs));
        Process dkv = launch(command, dir, "DKV");
        awaitHttp(vertx, endpoint, HttpMethod.GET, "/ready", null, dkv);
        return dkv;
    }

    /** Starts a single-node etcd on loopback on a fresh data directory under {@code dir} and waits for /health. */
    static Process startEtcd(Vertx vertx, String etcdCommand, Path dir, Endpoint endpoint) throws IOException, InterruptedException {
        String client = "http://127.0.0.1:" + endpoint.port();
        String peer = "http://127.0.0.1:" + (endpoint.port() + 1);
        Process etcd = launch(List.of(etcdCommand, "--data-dir", dir.resolve("data").toString(), "--listen-client-urls", client,
                "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "default=" + peer), dir, "etcd");
        awaitHttp(vertx, endpoint, HttpMethod.GET, "/health", null, etcd);
        return etcd;
    }

    /** Starts a {@code redis-server} (no persistence) on loopback at {@code port} and waits until it answers. */
    static Process startRedis(Path dir, int port) throws IOException, InterruptedException {
        Process redis = launch(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toAbsolutePath().toString()), dir, "redis");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                jedis.ping();
                return redis;
            } catch (RuntimeException e) {
                if (!redis.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("redis-server did not start (apt-get install redis-server); see "
                            + dir.resolve("redis.log"), e);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Calls per second of {@code call} made back to back on {@code threads} threads for {@code seconds};
     * each thread first opens its own {@code R} (a connection, or nothing) and closes it at the end.
     */
    static <R extends AutoCloseable> double callsPerSecond(int threads, int seconds, Callable<R> open, Consumer<R> call)
            throws InterruptedException {
        AtomicLong done = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(threads);
        long started = System.nanoTime();
        long end = started + TimeUnit.SECONDS.toNanos(seconds);
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                long mine = 0;
                try (R resource = open.call()) {
                    while (System.nanoTime() < end) {
                        call.accept(resource);
                        mine++;
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.addAndGet(mine);
                    finished.countDown();
                }
            });
            thread.setDaemon(true);
            thread.start();
        }
        finished.await();
        return done.get() / ((System.nanoTime() - started) / 1e9);
    }

    static Process launch(List<String> command, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        System.out.printf("starting %s alone (data and log in %s)...%n", name, dir);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    static void awaitHttp(Vertx vertx, Endpoint endpoint, HttpMethod method, String path, Buffer body, Process process)
            throws InterruptedException {
        HttpClient client = vertx.createHttpClient(endpoint.client());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("exited with " + process.exitValue() + " before " + path + " answered 200");
                }
                try {
                    int status = client.request(endpoint.options(method, path)).compose(r -> body == null ? r.send() : r.send(body))
                            .map(r -> r.statusCode()).await(2, TimeUnit.SECONDS);
                    if (status == 200) {
                        return;
                    }
                } catch (Exception e) {
                    // not listening yet
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException(path + " did not answer 200 within 180 s");
        } finally {
            client.close().await();
        }
    }

    static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** The process's CPU time so far (user + system). */
    static Duration cpu(Process process) {
        return process.toHandle().info().totalCpuDuration().orElseThrow();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
