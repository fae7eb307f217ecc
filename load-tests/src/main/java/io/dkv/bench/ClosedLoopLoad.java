package io.dkv.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP load: {@code clients} connections, each sending its next request as soon as
 * the previous one answered, for a fixed time after a warm-up. Latencies go to an HdrHistogram
 * (microseconds); non-2xx answers count as errors. Bounded in time; only talks to the given URL.
 */
final class ClosedLoopLoad {

    /** One request to send: method, host, port, path, body (null for none). */
    record Call(RequestOptions options, Buffer body) {
    }

    record Result(String name, int clients, long requests, long errors, double seconds, Histogram latencyMicros) {
        double throughput() {
            return requests / seconds;
        }

        String row() {
            return String.format("| %s | %d | %,.0f | %.2f | %.2f | %.2f | %d |", name, clients, throughput(),
                    latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(99) / 1000.0,
                    latencyMicros.getValueAtPercentile(99.9) / 1000.0, errors);
        }
    }

    private ClosedLoopLoad() {
    }

    /** Prints every result of every round as one Markdown table. */
    static void printRounds(List<List<Result>> rounds) {
        System.out.println();
        System.out.println("| round | workload | clients | ops/s | p50 ms | p99 ms | p99.9 ms | errors |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int r = 0; r < rounds.size(); r++) {
            int round = r + 1;
            rounds.get(r).forEach(result -> System.out.println("| " + round + " " + result.row()));
        }
    }

    static Result run(Vertx vertx, String name, int clients, long warmupMs, long durationMs, IntFunction<Call> calls)
            throws InterruptedException {
        return run(vertx, name, clients, warmupMs, durationMs, calls, new HttpClientOptions());
    }

    /** {@link #run(Vertx, String, int, long, long, IntFunction)} through connections made with {@code connections} (TLS). */
    static Result run(Vertx vertx, String name, int clients, long warmupMs, long durationMs, IntFunction<Call> calls,
            HttpClientOptions connections) throws InterruptedException {
        HttpClient http = vertx.createHttpClient(new HttpClientOptions(connections).setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(clients));
        Histogram histogram = new Histogram(60_000_000L, 3);
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong sequence = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(warmupMs);
        long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(durationMs);
        CountDownLatch done = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            vertx.runOnContext(v -> loop(http, calls, sequence, histogram, requests, errors, measureFrom, end, done));
        }
        done.await(warmupMs + durationMs + 60_000, TimeUnit.MILLISECONDS);
        http.close();
        double seconds = (System.nanoTime() - measureFrom) / 1e9;
        synchronized (histogram) {
            return new Result(name, clients, requests.get(), errors.get(), Math.min(seconds, durationMs / 1000.0), histogram.copy());
        }
    }

    /** Sends exactly {@code count} requests over {@code clients} connections; every one is measured. */
    static Result runCount(Vertx vertx, int clients, int count, IntFunction<Call> calls) throws InterruptedException {
        return runCount(vertx, clients, count, calls, i -> { });
    }

    /** {@link #runCount(Vertx, int, int, IntFunction)}, telling {@code succeeded} each request that succeeded as it does. */
    static Result runCount(Vertx vertx, int clients, int count, IntFunction<Call> calls, IntConsumer succeeded) throws InterruptedException {
        return runCount(vertx, clients, count, calls, succeeded, new HttpClientOptions());
    }

    /** {@link #runCount(Vertx, int, int, IntFunction, IntConsumer)} through connections made with {@code connections}. */
    static Result runCount(Vertx vertx, int clients, int count, IntFunction<Call> calls, IntConsumer succeeded,
            HttpClientOptions connections) throws InterruptedException {
        HttpClient http = vertx.createHttpClient(new HttpClientOptions(connections).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(clients));
        Histogram histogram = new Histogram(60_000_000L, 3);
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(count);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            int index = i;
            Call call = calls.apply(i);
            long sent = System.nanoTime();
            vertx.runOnContext(v -> http.request(call.options())
                    .compose(request -> call.body() == null ? request.send() : request.send(call.body()))
                    .compose(response -> response.body().map(b -> response.statusCode()))
                    .onComplete(ar -> {
                        if (ar.succeeded() && ar.result() < 300) {
                            synchronized (histogram) {
                                histogram.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                            }
                            succeeded.accept(index);
                        } else {
                            errors.incrementAndGet();
                        }
                        done.countDown();
                    }));
        }
        done.await(120, TimeUnit.SECONDS);
        http.close();
        synchronized (histogram) {
            return new Result("batch", clients, histogram.getTotalCount(), errors.get() + done.getCount(),
                    (System.nanoTime() - start) / 1e9, histogram.copy());
        }
    }

    private static void loop(HttpClient http, IntFunction<Call> calls, AtomicLong sequence, Histogram histogram,
            AtomicLong requests, AtomicLong errors, long measureFrom, long end, CountDownLatch done) {
        long now = System.nanoTime();
        if (now >= end) {
            done.countDown();
            return;
        }
        Call call = calls.apply((int) sequence.getAndIncrement());
        Future<Integer> status = http.request(call.options())
                .compose(request -> call.body() == null ? request.send() : request.send(call.body()))
                .compose(response -> response.body().map(b -> response.statusCode()));
        status.onComplete(ar -> {
            long finished = System.nanoTime();
            if (now >= measureFrom && finished <= end) {
                if (ar.succeeded() && ar.result() < 300) {
                    requests.incrementAndGet();
                    synchronized (histogram) {
                        histogram.recordValue(Math.max(1, (finished - now) / 1000));
                    }
                } else {
                    errors.incrementAndGet();
                }
            }
            loop(http, calls, sequence, histogram, requests, errors, measureFrom, end, done);
        });
    }
}
