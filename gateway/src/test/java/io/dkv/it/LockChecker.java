package io.dkv.it;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A mutual-exclusion checker for DKV's locks over HTTP. Workers run critical sections "acquire (waiting
 * in the queue) → read the key's counter → put counter + 1 with the handle → release" on a set of keys;
 * a share of the sections stall past their lock's TTL before the put, as a GC pause would. The counter's
 * value carries the fencing token of the write that made it, so every section also checks that it
 * never reads a value written under a later token than its own.
 *
 * <p>Outcomes that a crash leaves unknown are settled by retrying with the same DKV-Request-Id, which
 * DKV answers with the original outcome: every put is counted exactly as acknowledged or not.
 */
final class LockChecker {

    /** What a run observed. */
    record Result(Map<String, Long> acknowledged, Map<String, Long> counters, long stalls, long stalledRejected,
            List<String> stalledAccepted, List<String> tokenViolations, long honestRejected, long sections) {
    }

    private final String store;
    private final List<DkvHttp> gateways;
    private final long ttlMs;

    LockChecker(String store, List<DkvHttp> gateways, long ttlMs) {
        this.store = store;
        this.gateways = gateways;
        this.ttlMs = ttlMs;
    }

    Result run(int workers, int sectionsPerWorker, int keys, double stallShare) throws Exception {
        Map<String, AtomicLong> acked = new ConcurrentHashMap<>();
        AtomicLong stalls = new AtomicLong();
        AtomicLong stalledRejected = new AtomicLong();
        AtomicLong honestRejected = new AtomicLong();
        AtomicLong sections = new AtomicLong();
        Queue<String> stalledAccepted = new ConcurrentLinkedQueue<>();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        // Keys of their own, so runs against one store never share a counter.
        String run = UUID.randomUUID().toString().substring(0, 8);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            running.add(pool.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < sectionsPerWorker; i++) {
                    String key = "counter-" + run + "-" + random.nextInt(keys);
                    String handle = acquire(key);
                    long token = Long.parseLong(handle.substring(0, handle.indexOf('.')));
                    DkvHttp.Response read = retried(() -> gateway().get("/v1/stores/" + store + "/kv/" + key));
                    long counter = 0;
                    if (read.status() == 200) {
                        String[] parts = read.text().split(":");
                        counter = Long.parseLong(parts[0]);
                        if (Long.parseLong(parts[1]) >= token) {
                            violations.add(key + ": read " + read.text() + " under token " + token);
                        }
                    }
                    boolean stall = random.nextDouble() < stallShare;
                    if (stall) {
                        stalls.incrementAndGet();
                        Thread.sleep(ttlMs + 150);
                    }
                    String requestId = UUID.randomUUID().toString();
                    String value = (counter + 1) + ":" + token;
                    DkvHttp.Response put = retried(() -> gateway().put("/v1/stores/" + store + "/kv/" + key, value,
                            "DKV-Lock", handle, "DKV-Request-Id", requestId));
                    if (put.status() < 300) {
                        acked.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
                        if (stall) {
                            stalledAccepted.add(key + " token " + token + ": " + put);
                        }
                    } else if (put.status() == 423) {
                        (stall ? stalledRejected : honestRejected).incrementAndGet();
                    } else {
                        throw new IllegalStateException("unexpected answer to a put: " + put);
                    }
                    if (!stall) {
                        retried(() -> gateway().delete("/v1/stores/" + store + "/locks/" + key, "DKV-Lock", handle));
                    }
                    sections.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> worker : running) {
            worker.get();
        }
        pool.shutdown();
        Map<String, Long> counters = new ConcurrentHashMap<>();
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        acked.forEach((key, count) -> {
            acknowledged.put(key, count.get());
            DkvHttp.Response read = retried(() -> gateway().get("/v1/stores/" + store + "/kv/" + key));
            counters.put(key, read.status() == 200 ? Long.parseLong(read.text().split(":")[0]) : 0);
        });
        return new Result(acknowledged, counters, stalls.get(), stalledRejected.get(), List.copyOf(stalledAccepted),
                List.copyOf(violations), honestRejected.get(), sections.get());
    }

    /** Acquires the key's lock, waiting in its queue; a wait that ends without the lock starts again. */
    private String acquire(String key) {
        while (true) {
            String requestId = UUID.randomUUID().toString();
            DkvHttp.Response acquired = retried(() -> gateway().post("/v1/stores/" + store + "/locks/" + key,
                    "{\"ttlMs\": " + ttlMs + ", \"waitMs\": 10000}", "DKV-Request-Id", requestId));
            if (acquired.status() == 200) {
                return acquired.json().getString("handle");
            }
            if (acquired.status() != 409) {
                throw new IllegalStateException("unexpected answer to an acquire: " + acquired);
            }
        }
    }

    private DkvHttp gateway() {
        return gateways.get(ThreadLocalRandom.current().nextInt(gateways.size()));
    }

    /** Repeats the call while DKV cannot tell its outcome (unreachable, 503, 504); the request id makes a repeat safe. */
    private static DkvHttp.Response retried(Supplier<DkvHttp.Response> call) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                DkvHttp.Response response = call.get();
                if (response.status() != 503 && response.status() != 504 && response.status() != 502) {
                    return response;
                }
            } catch (UncheckedIOException e) {
                // The gateway or the owner it forwarded to is gone: try again, maybe through another.
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no outcome within 90 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
