package io.dkv.gateway.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.auth.Access;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Limits against abuse: open connections per client address ({@code --max-connections-per-address})
 * and requests per second per principal ({@code --max-requests-per-second}; per client address
 * without authentication). A connection over its address's limit is accepted, its first request
 * answered 429 {@code TOO_MANY_CONNECTIONS} and the connection closed, so the client learns why
 * instead of seeing a reset. Requests over the rate get 429 {@code TOO_MANY_REQUESTS} with
 * {@code Retry-After: 1}. Thread-safe: every event loop shares one instance.
 */
public final class AbuseLimits {
    private final int maxConnectionsPerAddress;
    private final int maxRequestsPerSecond;
    private final ConcurrentHashMap<String, AtomicInteger> connectionsByAddress = new ConcurrentHashMap<>();
    private final Set<HttpConnection> overLimit = ConcurrentHashMap.newKeySet();
    private final Cache<String, SecondWindow> windows = Caffeine.newBuilder().expireAfterAccess(Duration.ofSeconds(10))
            .maximumSize(100_000).build();

    /** @param maxConnectionsPerAddress 0 for no limit; {@code maxRequestsPerSecond} likewise */
    public AbuseLimits(int maxConnectionsPerAddress, int maxRequestsPerSecond) {
        this.maxConnectionsPerAddress = maxConnectionsPerAddress;
        this.maxRequestsPerSecond = maxRequestsPerSecond;
    }

    /** Whether connections per address are limited, so {@link #checkConnection} has anything to check. */
    public boolean limitsConnections() {
        return maxConnectionsPerAddress > 0;
    }

    /** Whether requests per second are limited, so {@link #checkRate} has anything to check. */
    public boolean limitsRate() {
        return maxRequestsPerSecond > 0;
    }

    /** Counts a new connection against its address; give it to the servers' connection handler. */
    public void opened(HttpConnection connection) {
        if (maxConnectionsPerAddress == 0 || connection.remoteAddress() == null) {
            return;
        }
        String address = connection.remoteAddress().hostAddress();
        int open = connectionsByAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        if (open > maxConnectionsPerAddress) {
            overLimit.add(connection);
        }
        connection.closeHandler(v -> {
            overLimit.remove(connection);
            connectionsByAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() == 0 ? null : count);
        });
    }

    /** Refuses a request of a connection over its address's limit; runs before anything else, when {@link #limitsConnections}. */
    public void checkConnection(RoutingContext ctx) {
        if (!overLimit.isEmpty() && overLimit.contains(ctx.request().connection())) {
            ctx.response().putHeader("Connection", "close");
            ctx.response().endHandler(v -> ctx.request().connection().close());
            throw new ApiException(ErrorCode.TOO_MANY_CONNECTIONS, "this address has " + maxConnectionsPerAddress
                    + " connections open to DKV already (--max-connections-per-address); reuse them, HTTP keeps connections alive");
        }
        ctx.next();
    }

    /** Refuses a request over its principal's rate; runs after authentication, when {@link #limitsRate}. */
    public void checkRate(RoutingContext ctx) {
        try {
            count(Access.of(ctx), ctx.request().remoteAddress());
        } catch (ApiException e) {
            ctx.response().putHeader("Retry-After", "1");
            throw e;
        }
        ctx.next();
    }

    /**
     * Counts one request of {@code access}'s principal (or, without authentication, of the address
     * {@code remote}) against its rate: what a frame that stands for a request (a keep-alive on a
     * socket) calls. Does nothing unless {@link #limitsRate}.
     *
     * @throws ApiException TOO_MANY_REQUESTS over the rate
     */
    public void count(Access access, SocketAddress remote) {
        if (!limitsRate()) {
            return;
        }
        String principal = access.principal();
        String caller = principal != null ? "principal " + principal : "address " + remote.hostAddress();
        if (!windows.get(caller, c -> new SecondWindow(System.nanoTime())).admit(maxRequestsPerSecond, System.nanoTime())) {
            throw new ApiException(ErrorCode.TOO_MANY_REQUESTS, "over " + maxRequestsPerSecond + " requests in one second from "
                    + caller + " (--max-requests-per-second); slow down and retry", new JsonObject().put("retryAfterMs", 1000));
        }
    }

    /** Requests counted in the current one-second window. */
    private static final class SecondWindow {
        private long start;
        private int count;

        SecondWindow(long start) {
            this.start = start;
        }

        synchronized boolean admit(int max, long now) {
            if (now - start >= 1_000_000_000L) {
                start = now;
                count = 0;
            }
            return ++count <= max;
        }
    }
}
