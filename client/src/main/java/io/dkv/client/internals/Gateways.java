package io.dkv.client.internals;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateways a client was given, in the order to try them: calls start at successive gateways
 * (spreading load), and a gateway that could not be reached goes to the back of the order until its
 * penalty ends. Thread-safe.
 */
public final class Gateways {
    private final List<URI> all;
    private final long penaltyNanos;
    private final AtomicInteger next = new AtomicInteger();
    private final ConcurrentHashMap<URI, Long> downUntil = new ConcurrentHashMap<>();

    public Gateways(List<URI> all, long penaltyNanos) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("give at least one gateway address (host:port)");
        }
        this.all = List.copyOf(all);
        this.penaltyNanos = penaltyNanos;
    }

    public List<URI> all() {
        return all;
    }

    /** Every gateway once, healthy ones first, starting at the next in turn. */
    public List<URI> order() {
        int start = Math.floorMod(next.getAndIncrement(), all.size());
        long now = System.nanoTime();
        List<URI> healthy = new ArrayList<>(all.size());
        List<URI> penalized = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            URI gateway = all.get((start + i) % all.size());
            Long until = downUntil.get(gateway);
            if (until != null && until - now > 0) {
                penalized.add(gateway);
            } else {
                healthy.add(gateway);
            }
        }
        healthy.addAll(penalized);
        return healthy;
    }

    public void unreachable(URI gateway) {
        downUntil.put(gateway, System.nanoTime() + penaltyNanos);
    }

    public void reachable(URI gateway) {
        downUntil.remove(gateway);
    }

    /** A gateway's base address ({@code http://host:port}) from {@code host:port} or a full URL. */
    public static URI parse(String address, boolean tls) {
        String trimmed = address.trim();
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI uri = URI.create(trimmed.contains("://") ? trimmed : (tls ? "https://" : "http://") + trimmed);
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("a gateway is host:port or http(s)://host:port, not " + address);
        }
        return uri;
    }
}
