package io.dkv.client.internals;

import io.dkv.client.DkvException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends {@link Call}s to the gateways with retries and failover. An attempt that cannot connect, is
 * cut off, or is answered 502/503 (UNAVAILABLE) or 504 (TIMEOUT) is retried on the next gateway after
 * a growing pause, within the call's deadline and attempt budget. Every answer's {@code DKV-Revision}
 * raises the revision this client has seen; reads ask for at least that ({@code DKV-Min-Revision}), so
 * a client reads its own writes whichever gateway answers.
 *
 * <p>Each attempt is one exchange on a kept-alive connection ({@link Http1Connections}). It runs on
 * the calling thread when that thread is a blocking caller that waits for the answer anyway
 * ({@link Blocking#call}), else on the client's I/O executor; retries after a pause run there too.
 * The answer's future completes on the thread that ran the exchange. Thread-safe.
 */
public final class Transport {
    private static final String REVISION = "DKV-Revision";

    private final HttpClient http;
    private final Http1Connections connections;
    private final Executor io;
    private final Gateways gateways;
    private final ClientSettings settings;
    private final ScheduledExecutorService scheduler;
    private final Set<CompletableFuture<Response>> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final String clientId = UUID.randomUUID().toString().substring(0, 12);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong seenRevision = new AtomicLong();

    /**
     * @param http the JDK client for the watch WebSockets
     * @param connections the connections unary calls go over
     * @param io where exchanges run that no caller waits for on its own thread
     */
    public Transport(HttpClient http, Http1Connections connections, Executor io, Gateways gateways, ClientSettings settings,
            ScheduledExecutorService scheduler) {
        this.http = http;
        this.connections = connections;
        this.io = io;
        this.gateways = gateways;
        this.settings = settings;
        this.scheduler = scheduler;
    }

    /** The JDK client the watch WebSockets open through. */
    public HttpClient http() {
        return http;
    }

    public Gateways gateways() {
        return gateways;
    }

    public ClientSettings settings() {
        return settings;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** The newest store revision any answer has shown this client. */
    public long seenRevision() {
        return seenRevision.get();
    }

    public void sawRevision(long revision) {
        seenRevision.accumulateAndGet(revision, Math::max);
    }

    /** A fresh idempotency key for one logical write. */
    public String newRequestId() {
        return "java-" + clientId + "-" + requests.incrementAndGet();
    }

    /**
     * Sends {@code call} until a gateway gives an answer that is not a transient failure.
     *
     * @return the answer, whatever its status; completes exceptionally with {@link DkvException.Unavailable}
     *     when no gateway answered, {@link DkvException.Timeout} when the deadline passed
     */
    public CompletableFuture<Response> send(Call call) {
        boolean inline = Blocking.takeCallerWaits();
        if (call.kind == Call.Kind.WRITE && !call.headers.containsKey("DKV-Request-Id")) {
            call.header("DKV-Request-Id", newRequestId());
        }
        Duration timeout = call.timeout != null ? call.timeout : settings.requestTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Response> result = new CompletableFuture<>();
        // Registered before the check, so that close() either sees this call or this call sees close().
        inFlight.add(result);
        result.whenComplete((answer, failure) -> inFlight.remove(result));
        if (closed) {
            result.completeExceptionally(clientClosed(call));
            return result;
        }
        attempt(call, deadline, 1, gateways.order(), 0, null, result, inline);
        return result;
    }

    /**
     * Fails every call in flight, and every later one, with {@link DkvException.Unavailable} of code
     * {@code CLIENT_CLOSED}: once the client's executors stop, nothing else would complete them. Closes
     * every connection, so that exchanges blocked on one end at once.
     */
    public void close() {
        closed = true;
        inFlight.forEach(call -> call.completeExceptionally(clientClosed(null)));
        connections.close();
    }

    private static DkvException clientClosed(Call call) {
        return new DkvException.Unavailable("CLIENT_CLOSED", 0,
                (call == null ? "a call in flight" : call.method + " " + call.path) + ": the client is closed", null);
    }

    private void attempt(Call call, long deadline, int attempt, List<URI> order, int index, Throwable last,
            CompletableFuture<Response> result, boolean inline) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            result.completeExceptionally(last instanceof DkvException e && !(e instanceof DkvException.Unavailable) ? e
                    : new DkvException.Timeout(call.method + " " + call.path + " got no answer within its deadline"
                            + (last == null ? "" : " (last: " + last.getMessage() + ")"), last));
            return;
        }
        URI gateway = order.get(index % order.size());
        String target = (gateway.getRawPath() == null ? "" : gateway.getRawPath()) + call.path;
        Map<String, String> headers = headers(call);
        Runnable exchange = () -> {
            Http1Connections.Answer answer;
            try {
                answer = connections.exchange(gateway, call.method, target, headers, call.body, Duration.ofNanos(remaining));
            } catch (IllegalArgumentException e) {
                result.completeExceptionally(new DkvException.Rejected("INVALID_REQUEST", 0, e.getMessage()));
                return;
            } catch (IOException e) {
                failed(call, deadline, attempt, order, index, gateway, e, result);
                return;
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            gateways.reachable(gateway);
            Response response = new Response(answer.status(), answer.headers(), answer.body());
            String revision = response.header(REVISION);
            if (revision != null) {
                sawRevision(Long.parseLong(revision.trim()));
            }
            if (!transientStatus(response) || attempt >= settings.maxAttempts()) {
                result.complete(response);
                return;
            }
            retry(call, deadline, attempt, order, index, response.failure(), result);
        };
        if (inline) {
            exchange.run();
            return;
        }
        try {
            io.execute(exchange);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(clientClosed(call));
        }
    }

    private void failed(Call call, long deadline, int attempt, List<URI> order, int index, URI gateway, IOException failure,
            CompletableFuture<Response> result) {
        boolean timedOut = failure instanceof SocketTimeoutException;
        if (!timedOut) {
            gateways.unreachable(gateway);
        }
        DkvException failed = timedOut
                ? new DkvException.Timeout(call.method + " " + call.path + " got no answer from " + gateway + " within its deadline", failure)
                : new DkvException.Unavailable("UNREACHABLE", 0,
                        "gateway " + gateway + " did not answer " + call.method + " " + call.path + ": " + failure, failure);
        if (attempt >= settings.maxAttempts()) {
            result.completeExceptionally(timedOut ? failed : new DkvException.Unavailable("UNREACHABLE", 0, "no gateway of "
                    + gateways.all() + " answered " + call.method + " " + call.path + " after " + attempt + " attempts; last: " + failure, failure));
            return;
        }
        retry(call, deadline, attempt, order, index, failed, result);
    }

    private void retry(Call call, long deadline, int attempt, List<URI> order, int index, DkvException last,
            CompletableFuture<Response> result) {
        long pause = Math.min(settings.retryBackoff().toNanos() << Math.min(attempt - 1, 6), settings.maxRetryBackoff().toNanos());
        long remaining = deadline - System.nanoTime();
        if (pause >= remaining) {
            if (last instanceof DkvException.Unavailable || last instanceof DkvException.Timeout) {
                result.completeExceptionally(last);
            } else {
                result.completeExceptionally(new DkvException.Timeout("deadline passed while retrying: " + last.getMessage(), last));
            }
            return;
        }
        scheduler.schedule(() -> attempt(call, deadline, attempt + 1, order, index + 1, last, result, false), pause, TimeUnit.NANOSECONDS);
    }

    private static boolean transientStatus(Response answer) {
        return answer.status() == 502 || answer.status() == 503 || answer.status() == 504;
    }

    private Map<String, String> headers(Call call) {
        Map<String, String> headers = new LinkedHashMap<>(call.headers);
        String authorization = settings.authorization();
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        if (call.kind == Call.Kind.READ) {
            long seen = seenRevision.get();
            if (seen > 0 && !call.headers.containsKey("DKV-Min-Revision")) {
                headers.put("DKV-Min-Revision", Long.toString(seen));
            }
        }
        if (call.contentType != null) {
            headers.put("Content-Type", call.contentType);
        }
        return headers;
    }
}
