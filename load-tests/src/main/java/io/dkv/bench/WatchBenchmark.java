package io.dkv.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Watch fan-out and memory against a running DKV: N watchers on one prefix over SSE (one
 * connection each) or WebSocket (many watches per connection), one writer putting at a steady
 * rate; delivery latency from the put's acknowledgement to each watcher's receipt (HdrHistogram)
 * and events delivered per second. With {@code --dkv-pid}, also the DKV heap per idle watch,
 * measured after a full GC (jcmd) before and after the watches are open.
 */
@Command(name = "watch-benchmark", mixinStandardHelpOptions = true)
public final class WatchBenchmark implements Callable<Integer> {
    @Option(names = "--dkv", defaultValue = "localhost:7861")
    String dkv;

    @Option(names = "--transport", description = "sse or ws", defaultValue = "sse")
    String transport;

    @Option(names = "--watchers", defaultValue = "1000")
    int watchers;

    @Option(names = "--watches-per-connection", description = "ws only", defaultValue = "100")
    int watchesPerConnection;

    @Option(names = "--rate", description = "puts per second", defaultValue = "20")
    int rate;

    @Option(names = "--duration-s", defaultValue = "10")
    int durationSeconds;

    @Option(names = "--dkv-pid", description = "measure DKV's heap per idle watch (needs jcmd)", defaultValue = "0")
    long dkvPid;

    @Option(names = "--store", defaultValue = "fanout")
    String store;

    private final Map<Long, Long> ackedAt = new ConcurrentHashMap<>();
    private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    private volatile long inFlightSentAt;
    private final Histogram latency = new Histogram(60_000_000L, 3);
    private final Histogram fromSend = new Histogram(60_000_000L, 3);
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong beforeAck = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            String host = dkv.substring(0, dkv.indexOf(':'));
            int port = Integer.parseInt(dkv.substring(dkv.indexOf(':') + 1));
            HttpClient http = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(4));
            http.request(HttpMethod.PUT, port, host, "/v1/stores/" + store).compose(r -> r.send()).await();
            long heapBefore = heapAfterGc();
            long opened = System.nanoTime();
            if (transport.equals("ws")) {
                openWebSockets(vertx, host, port);
            } else {
                openSse(vertx, host, port);
            }
            System.out.printf("%d %s watchers open in %.1f s%n", watchers, transport, (System.nanoTime() - opened) / 1e9);
            long heapAfter = heapAfterGc();
            if (dkvPid > 0) {
                System.out.printf("DKV heap after GC: %,d bytes before, %,d with %d idle %s watches: %,d bytes per watch%s%n",
                        heapBefore, heapAfter, watchers, transport, (heapAfter - heapBefore) / watchers,
                        transport.equals("sse") ? " (one connection each)" : " (" + watchesPerConnection + " per connection)");
            }

            long period = 1_000_000_000L / rate;
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(durationSeconds);
            long receivedBefore = received.get();
            for (long next = start; next < end; next += period) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                long sent = System.nanoTime();
                inFlightSentAt = sent;
                String body = http.request(HttpMethod.PUT, port, host, "/v1/stores/" + store + "/kv/job:" + (next % 100))
                        .compose(r -> r.send("v").compose(resp -> resp.body())).await().toString();
                long revision = new JsonObject(body).getLong("revision");
                sentAt.put(revision, sent);
                ackedAt.put(revision, System.nanoTime());
            }
            long puts = ackedAt.size();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.get() - receivedBefore < puts * watchers && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            synchronized (latency) {
                System.out.println("| transport | watchers | puts/s | events received | events/s | from put start p50 / p99 ms | from ack p50 / p99 ms | events before their ack |");
                System.out.printf("| %s | %,d | %d | %,d of %,d | %,.0f | %.2f / %.2f | %.2f / %.2f | %.0f%% |%n", transport, watchers, rate,
                        received.get() - receivedBefore, puts * watchers, (received.get() - receivedBefore) / seconds,
                        fromSend.getValueAtPercentile(50) / 1000.0, fromSend.getValueAtPercentile(99) / 1000.0,
                        latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                        100.0 * beforeAck.get() / Math.max(1, received.get() - receivedBefore));
            }
            return 0;
        } finally {
            vertx.close().await();
        }
    }

    private void openSse(Vertx vertx, String host, int port) {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setIdleTimeout(0),
                new PoolOptions().setHttp1MaxSize(watchers));
        List<Future<?>> opened = new ArrayList<>();
        for (int i = 0; i < watchers; i++) {
            opened.add(client.request(HttpMethod.GET, port, host, "/v1/stores/" + store + "/watch?prefix=job:")
                    .compose(r -> r.send()).map(response -> {
                        StringBuilder pending = new StringBuilder();
                        response.handler(buffer -> {
                            pending.append(buffer.toString(StandardCharsets.UTF_8));
                            int at;
                            while ((at = pending.indexOf("\n")) >= 0) {
                                String line = pending.substring(0, at);
                                pending.delete(0, at + 1);
                                if (line.startsWith("id: ")) {
                                    delivered(Long.parseLong(line.substring(4)));
                                }
                            }
                        });
                        return null;
                    }));
            if (opened.size() % 500 == 0) {
                Future.all(opened).await();
            }
        }
        Future.all(opened).await();
    }

    private void openWebSockets(Vertx vertx, String host, int port) {
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(watchers));
        int connections = (watchers + watchesPerConnection - 1) / watchesPerConnection;
        for (int c = 0; c < connections; c++) {
            WebSocket ws = client.connect(port, host, "/v1/stores/" + store + "/ws").await();
            AtomicLong created = new AtomicLong();
            ws.textMessageHandler(text -> {
                JsonObject frame = new JsonObject(text);
                switch (frame.getString("type")) {
                    case "events" -> delivered(frame.getLong("revision"));
                    case "created" -> created.incrementAndGet();
                    default -> { }
                }
            });
            int count = Math.min(watchesPerConnection, watchers - c * watchesPerConnection);
            for (int w = 0; w < count; w++) {
                ws.writeTextMessage(new JsonObject().put("type", "watch").put("id", "w" + w).put("prefix", "job:").encode());
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (created.get() < count && System.currentTimeMillis() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void delivered(long revision) {
        long now = System.nanoTime();
        received.incrementAndGet();
        Long acked = ackedAt.get(revision);
        Long sent = sentAt.get(revision);
        synchronized (latency) {
            if (acked == null) {
                // The event beat the HTTP answer of its own put (one put is in flight at a time).
                beforeAck.incrementAndGet();
                fromSend.recordValue(Math.max(1, (now - inFlightSentAt) / 1000));
            } else {
                latency.recordValue(Math.max(1, (now - acked) / 1000));
                fromSend.recordValue(Math.max(1, (now - sent) / 1000));
            }
        }
    }

    private long heapAfterGc() throws Exception {
        if (dkvPid <= 0) {
            return 0;
        }
        run("jcmd", Long.toString(dkvPid), "GC.run");
        String info = run("jcmd", Long.toString(dkvPid), "GC.heap_info");
        // "garbage-first heap   total 262144K, used 81234K"
        int used = info.indexOf("used ");
        return Long.parseLong(info.substring(used + 5, info.indexOf('K', used))) * 1024;
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            reader.lines().forEach(line -> out.append(line).append('\n'));
        }
        process.waitFor(60, TimeUnit.SECONDS);
        return out.toString();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new WatchBenchmark()).execute(args));
    }
}
