package io.dkv.streams.lease;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The deadlines of the leases of every Streams task active on this instance, in memory. Refreshes
 * (keep-alives) only move a deadline here and never reach the log; grant, revoke and expiry are in
 * the log, and the owning task decides expiry from these deadlines.
 *
 * <p>A task that starts (a start, a restart, a move from another instance, a revival after an
 * aborted transaction) cannot know the refreshes its previous owner answered, so it {@link #adopt
 * adopts} every lease of its partition with a full TTL from that moment, as etcd's new leader does:
 * a client that keeps refreshing through a move never loses its lease, and a dead client's lease
 * still expires, at most one TTL plus the takeover late.
 *
 * <p>The task's stream thread calls {@link #adopt}, {@link #granted}, {@link #revoked},
 * {@link #expired}, {@link #forgetStore} and {@link #release}; the gateway calls {@link #refresh} and
 * {@link #remainingMs} from any thread. A refresh and the expiry of the same lease are atomic with
 * respect to each other: a refresh that succeeded moved the deadline before the expiry looked, and
 * a lease the expiry took is not found by any later refresh. All times are milliseconds of the
 * caller's wall clock (the stream thread's, or the test driver's mock clock). Thread-safe.
 */
public final class LiveLeases {

    /** A lease's place: its store and id. */
    public record LeaseId(String store, long id) {
    }

    /** What a refresh found. */
    public enum Refresh {
        /** The lease lives; its deadline is now a full TTL away. */
        REFRESHED,
        /** The store's task is active here and has no such lease (never granted, revoked or expired). */
        NOT_FOUND,
        /** The store's task is not active here (starting, restoring, or moved): ask its owner, or retry. */
        NOT_HERE
    }

    private record Deadline(long ttlMs, long deadlineMs) {
    }

    /**
     * Partition → store → lease id → deadline. A partition is here only while its task runs here;
     * its store maps are written by its stream thread only.
     */
    private final Map<Integer, Map<String, Map<Long, Deadline>>> partitions = new ConcurrentHashMap<>();

    /**
     * The task of {@code partition} started with these leases (lease → TTL), each given a full TTL
     * from {@code nowMs}; replaces whatever the partition had here.
     */
    public void adopt(int partition, Map<LeaseId, Long> ttls, long nowMs) {
        Map<String, Map<Long, Deadline>> stores = new ConcurrentHashMap<>();
        ttls.forEach((lease, ttl) -> stores.computeIfAbsent(lease.store(), s -> new ConcurrentHashMap<>())
                .put(lease.id(), new Deadline(ttl, nowMs + ttl)));
        partitions.put(partition, stores);
    }

    /** The task of {@code partition} closed, or moved away: its leases are no longer decided here. */
    public void release(int partition) {
        partitions.remove(partition);
    }

    /**
     * A lease was granted on {@code partition}'s task; it lives for {@code ttlMs} from {@code nowMs}.
     *
     * @throws IllegalStateException if the partition's task has not {@link #adopt adopted} its leases
     */
    public void granted(int partition, LeaseId lease, long ttlMs, long nowMs) {
        owned(partition).computeIfAbsent(lease.store(), s -> new ConcurrentHashMap<>())
                .put(lease.id(), new Deadline(ttlMs, nowMs + ttlMs));
    }

    /** A lease was revoked on {@code partition}'s task. */
    public void revoked(int partition, LeaseId lease) {
        Map<Long, Deadline> leases = owned(partition).get(lease.store());
        if (leases != null) {
            leases.remove(lease.id());
        }
    }

    /** The store was deleted, and its leases with it. */
    public void forgetStore(int partition, String store) {
        owned(partition).remove(store);
    }

    /** Whether the lease lives on {@code partition}'s task. */
    public boolean contains(int partition, LeaseId lease) {
        return leases(partition, lease.store()).containsKey(lease.id());
    }

    /** How many leases the store has. */
    public int count(int partition, String store) {
        return leases(partition, store).size();
    }

    /** Whether {@code partition}'s task has any lease, so that it needs to check for expiry. */
    public boolean any(int partition) {
        return partitions.getOrDefault(partition, Map.of()).values().stream().anyMatch(leases -> !leases.isEmpty());
    }

    /**
     * Whether no task here has a lease: none has expiries to look for. Any thread; a lease granted
     * concurrently may be missed.
     */
    public boolean none() {
        return partitions.keySet().stream().noneMatch(this::any);
    }

    /**
     * Takes the leases of {@code partition} whose deadline passed at {@code nowMs}: they are gone
     * from here at once, so no refresh finds them any more; the caller writes their expiry.
     */
    public List<LeaseId> expired(int partition, long nowMs) {
        List<LeaseId> expired = new ArrayList<>();
        owned(partition).forEach((store, leases) -> leases.forEach((id, seen) -> {
            // A plain read first: the check runs often over every lease, and few are due.
            if (seen.deadlineMs() > nowMs) {
                return;
            }
            boolean[] taken = {false};
            leases.computeIfPresent(id, (key, deadline) -> {
                taken[0] = deadline.deadlineMs() <= nowMs;
                return taken[0] ? null : deadline;
            });
            if (taken[0]) {
                expired.add(new LeaseId(store, id));
            }
        }));
        return expired;
    }

    /**
     * Gives the lease a full TTL from {@code nowMs} if it lives on {@code partition}'s task here and
     * its deadline has not passed. Nothing changes unless the answer is {@link Refresh#REFRESHED}.
     */
    public Refresh refresh(int partition, LeaseId lease, long nowMs) {
        Map<String, Map<Long, Deadline>> stores = partitions.get(partition);
        if (stores == null) {
            return Refresh.NOT_HERE;
        }
        Map<Long, Deadline> leases = stores.getOrDefault(lease.store(), Map.of());
        Deadline refreshed = leases.isEmpty() ? null : leases.computeIfPresent(lease.id(), (id, deadline) ->
                deadline.deadlineMs() <= nowMs ? deadline : new Deadline(deadline.ttlMs(), nowMs + deadline.ttlMs()));
        return refreshed != null && refreshed.deadlineMs() > nowMs ? Refresh.REFRESHED : Refresh.NOT_FOUND;
    }

    /**
     * How long the lease has left at {@code nowMs} (0 when its deadline passed and its expiry is
     * being written); empty when it does not live on {@code partition}'s task here.
     */
    public OptionalLong remainingMs(int partition, LeaseId lease, long nowMs) {
        Deadline deadline = leases(partition, lease.store()).get(lease.id());
        return deadline == null ? OptionalLong.empty() : OptionalLong.of(Math.max(0, deadline.deadlineMs() - nowMs));
    }

    /** Whether {@code partition}'s task runs here (has adopted its leases). */
    public boolean active(int partition) {
        return partitions.containsKey(partition);
    }

    private Map<Long, Deadline> leases(int partition, String store) {
        return partitions.getOrDefault(partition, Map.of()).getOrDefault(store, Map.of());
    }

    private Map<String, Map<Long, Deadline>> owned(int partition) {
        Map<String, Map<Long, Deadline>> stores = partitions.get(partition);
        if (stores == null) {
            throw new IllegalStateException("the task of partition " + partition + " has not adopted its leases");
        }
        return stores;
    }
}
