package io.dkv.client.internals;

import io.dkv.client.DkvException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends {@link Call}s to the gateways with retries and failover. An attempt that cannot connect, is
 * cut off, or is answered 502/503 (UNAVAILABLE) or 504 (TIMEOUT) is retried on the next gateway after
 * a growing pause, within the call's deadline and attempt budget. Every answer's {@code DKV-Revision}
 * raises the revision this client has seen; reads ask for at least that ({@code DKV-Min-Revision}), so
 * a client reads its own writes whichever gateway answers. Thread-safe.
 */
public final class Transport {
    private static final String REVISION = "DKV-Revision";

    private final HttpClient http;
    private final Gateways gateways;
    private final ClientSettings settings;
    private final ScheduledExecutorService scheduler;
    private final Set<CompletableFuture<Response>> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final String clientId = UUID.randomUUID().toString().substring(0, 12);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong seenRevision = new AtomicLong();

    public Transport(HttpClient http, Gateways gateways, ClientSettings settings, ScheduledExecutorService scheduler) {
        this.http = http;
        this.gateways = gateways;
        this.settings = settings;
        this.scheduler = scheduler;
    }

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
        attempt(call, deadline, 1, gateways.order(), 0, null, result);
        return result;
    }

    /**
     * Fails every call in flight, and every later one, with {@link DkvException.Unavailable} of code
     * {@code CLIENT_CLOSED}: once the client's executors stop, nothing else would complete them.
     */
    public void close() {
        closed = true;
        inFlight.forEach(call -> call.completeExceptionally(clientClosed(null)));
    }

    private static DkvException clientClosed(Call call) {
        return new DkvException.Unavailable("CLIENT_CLOSED", 0,
                (call == null ? "a call in flight" : call.method + " " + call.path) + ": the client is closed", null);
    }

    private void attempt(Call call, long deadline, int attempt, List<URI> order, int index, Throwable last,
            CompletableFuture<Response> result) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            result.completeExceptionally(last instanceof DkvException e && !(e instanceof DkvException.Unavailable) ? e
                    : new DkvException.Timeout(call.method + " " + call.path + " got no answer within its deadline"
                            + (last == null ? "" : " (last: " + last.getMessage() + ")"), last));
            return;
        }
        URI gateway = order.get(index % order.size());
        HttpRequest request;
        try {
            request = request(gateway, call, Duration.ofNanos(remaining));
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(new DkvException.Rejected("INVALID_REQUEST", 0, e.getMessage()));
            return;
        }
        http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
            Throwable failure = error instanceof CompletionException ? error.getCause() : error;
            if (failure == null) {
                gateways.reachable(gateway);
                Response answer = new Response(response.statusCode(), response.headers(), response.body());
                String revision = answer.header(REVISION);
                if (revision != null) {
                    sawRevision(Long.parseLong(revision.trim()));
                }
                if (!transientStatus(answer) || attempt >= settings.maxAttempts()) {
                    result.complete(answer);
                    return;
                }
                retry(call, deadline, attempt, order, index, answer.failure(), result);
                return;
            }
            if (failure instanceof ConnectException || !(failure instanceof HttpTimeoutException)) {
                gateways.unreachable(gateway);
            }
            DkvException failed = failure instanceof HttpTimeoutException
                    ? new DkvException.Timeout(call.method + " " + call.path + " got no answer from " + gateway + " within its deadline", failure)
                    : new DkvException.Unavailable("UNREACHABLE", 0,
                            "gateway " + gateway + " did not answer " + call.method + " " + call.path + ": " + failure, failure);
            if (!(failure instanceof IOException) || attempt >= settings.maxAttempts()) {
                result.completeExceptionally(failure instanceof IOException && !(failed instanceof DkvException.Timeout)
                        ? new DkvException.Unavailable("UNREACHABLE", 0, "no gateway of " + gateways.all()
                                + " answered " + call.method + " " + call.path + " after " + attempt + " attempts; last: " + failure, failure)
                        : failed);
                return;
            }
            retry(call, deadline, attempt, order, index, failed, result);
        });
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
        scheduler.schedule(() -> attempt(call, deadline, attempt + 1, order, index + 1, last, result), pause, TimeUnit.NANOSECONDS);
    }

    private static boolean transientStatus(Response answer) {
        return answer.status() == 502 || answer.status() == 503 || answer.status() == 504;
    }

    private HttpRequest request(URI gateway, Call call, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(gateway + call.path)).timeout(timeout);
        call.headers.forEach(builder::header);
        String authorization = settings.authorization();
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        if (call.kind == Call.Kind.READ) {
            long seen = seenRevision.get();
            if (seen > 0 && !call.headers.containsKey("DKV-Min-Revision")) {
                builder.header("DKV-Min-Revision", Long.toString(seen));
            }
        }
        if (call.contentType != null) {
            builder.header("Content-Type", call.contentType);
        }
        HttpRequest.BodyPublisher body = call.body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(call.body);
        return builder.method(call.method, body).build();
    }
}
