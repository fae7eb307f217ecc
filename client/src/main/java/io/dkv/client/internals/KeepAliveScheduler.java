package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dkv.client.lease.KeepAlive;
import io.dkv.client.lease.Lease;
import io.dkv.client.lease.LeaseLostListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Every kept-alive lease of a client, refreshed from one scheduler thread. Each tick gathers the leases
 * whose refresh is due (a third of the TTL after the last success) and refreshes them with one
 * {@code POST …/leases/refresh} per {@value #BATCH} leases. A lease DKV reports as not found, or one
 * without a successful refresh for its whole TTL, is lost: its listener is told once and it leaves the
 * schedule. Thread-safe.
 */
public final class KeepAliveScheduler implements AutoCloseable {
    static final int BATCH = 100;
    private static final Duration TICK = Duration.ofMillis(100);

    private final Transport transport;
    private final String path;
    private final ConcurrentHashMap<Long, Entry> leases = new ConcurrentHashMap<>();
    private ScheduledFuture<?> ticking;

    public KeepAliveScheduler(Transport transport) {
        this.transport = transport;
        this.path = "/v1/stores/" + transport.settings().store() + "/leases/refresh";
    }

    synchronized KeepAlive add(Lease lease, LeaseLostListener onLost) {
        Entry entry = new Entry(lease, onLost);
        leases.put(lease.id(), entry);
        if (ticking == null) {
            ticking = transport.scheduler().scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        }
        return entry;
    }

    private void tick() {
        long now = System.nanoTime();
        List<Entry> due = new ArrayList<>();
        for (Entry entry : leases.values()) {
            if (now - entry.lastSuccess > entry.ttlNanos) {
                entry.lose("unreachable");
            } else if (!entry.inFlight && now - entry.nextDue >= 0) {
                entry.inFlight = true;
                due.add(entry);
            }
        }
        for (int from = 0; from < due.size(); from += BATCH) {
            refresh(due.subList(from, Math.min(due.size(), from + BATCH)));
        }
    }

    private void refresh(List<Entry> batch) {
        ObjectNode body = Json.object();
        ArrayNode ids = body.putArray("ids");
        batch.forEach(e -> ids.add(Long.toString(e.lease.id())));
        long sentAt = System.nanoTime();
        long shortestTtl = batch.stream().mapToLong(e -> e.ttlNanos).min().orElseThrow();
        transport.send(Call.write("POST", path).json(body).timeout(Duration.ofNanos(shortestTtl / 3))).whenComplete((response, error) -> {
            Set<Long> refreshed = new HashSet<>();
            Set<Long> notFound = new HashSet<>();
            if (error == null && response.status() == 200) {
                JsonNode json = response.json();
                json.path("refreshed").forEach(r -> refreshed.add(Json.lease(r, "id")));
                json.path("notFound").forEach(id -> notFound.add(Long.parseLong(id.asText())));
            }
            for (Entry entry : batch) {
                entry.inFlight = false;
                if (refreshed.contains(entry.lease.id())) {
                    entry.lastSuccess = sentAt;
                    entry.nextDue = sentAt + entry.ttlNanos / 3;
                } else if (notFound.contains(entry.lease.id())) {
                    entry.lose("not-found");
                } else {
                    entry.nextDue = System.nanoTime() + TICK.toNanos() * 2;
                }
            }
        });
    }

    @Override
    public synchronized void close() {
        if (ticking != null) {
            ticking.cancel(false);
        }
        leases.clear();
    }

    private final class Entry implements KeepAlive {
        final Lease lease;
        final LeaseLostListener onLost;
        final long ttlNanos;
        volatile long lastSuccess = System.nanoTime();
        volatile long nextDue;
        volatile boolean inFlight;
        volatile boolean lost;

        Entry(Lease lease, LeaseLostListener onLost) {
            this.lease = lease;
            this.onLost = onLost;
            this.ttlNanos = lease.ttl().toNanos();
            this.nextDue = lastSuccess + ttlNanos / 3;
        }

        void lose(String reason) {
            if (leases.remove(lease.id(), this) && !lost) {
                lost = true;
                onLost.onLost(lease.id(), reason);
            }
        }

        @Override
        public long leaseId() {
            return lease.id();
        }

        @Override
        public boolean isLost() {
            return lost;
        }

        @Override
        public void close() {
            leases.remove(lease.id(), this);
        }
    }
}
