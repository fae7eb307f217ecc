package io.dkv.client.internals;

import io.dkv.client.DkvException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client's watch sockets, at most one open per gateway. Plain watches go to any gateway;
 * snapshots and election observations need the instance that owns the store, which the store's info
 * names. Thread-safe.
 */
public final class WatchSockets implements AutoCloseable {
    private final Transport transport;
    private final ConcurrentHashMap<URI, CompletableFuture<WatchSocket>> sockets = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public WatchSockets(Transport transport) {
        this.transport = transport;
    }

    public Transport transport() {
        return transport;
    }

    /** The open socket to {@code gateway}, opened if needed. */
    public CompletableFuture<WatchSocket> socket(URI gateway) {
        if (closed) {
            return CompletableFuture.failedFuture(new DkvException("CLOSED", 0, "the client is closed", null));
        }
        return sockets.compute(gateway, (g, existing) -> {
            if (existing != null && !(existing.isDone() && (existing.isCompletedExceptionally() || existing.join().isClosed()))) {
                return existing;
            }
            return WatchSocket.open(transport.http(), g, transport.settings().store(), transport.settings().requestTimeout(),
                    transport.settings().authorization());
        });
    }

    /** A socket to the first gateway, in the transport's order, that accepts one. */
    public CompletableFuture<WatchSocket> any() {
        return firstOf(transport.gateways().order(), 0, null);
    }

    private CompletableFuture<WatchSocket> firstOf(List<URI> order, int index, Throwable last) {
        if (index >= order.size()) {
            return CompletableFuture.failedFuture(new DkvException.Unavailable("UNREACHABLE", 0,
                    "no gateway of " + order + " accepted a watch socket; last: " + last, last));
        }
        URI gateway = order.get(index);
        return socket(gateway).handle((socket, error) -> {
            if (error == null) {
                transport.gateways().reachable(gateway);
                return CompletableFuture.completedFuture(socket);
            }
            transport.gateways().unreachable(gateway);
            return firstOf(order, index + 1, error);
        }).thenCompose(f -> f);
    }

    /** A socket to the instance that owns the store now, as its info says. */
    public CompletableFuture<WatchSocket> owner() {
        return transport.send(Call.read("/v1/stores/" + transport.settings().store())).thenCompose(response -> {
            if (response.status() != 200) {
                throw response.failure();
            }
            String owner = Json.string(response.json(), "owner");
            if (owner == null || owner.isBlank()) {
                throw new DkvException.Unavailable("UNAVAILABLE", 503, "store " + transport.settings().store()
                        + " has no owning instance yet", null);
            }
            boolean tls = "https".equals(transport.gateways().all().get(0).getScheme());
            return socket(Gateways.parse(owner, tls));
        });
    }

    @Override
    public void close() {
        closed = true;
        sockets.values().forEach(f -> f.thenAccept(WatchSocket::close));
        sockets.clear();
    }
}
