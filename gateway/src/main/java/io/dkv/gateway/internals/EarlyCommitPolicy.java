package io.dkv.gateway.internals;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides which commands ask for an early commit ({@code Command.commitNow}): those of a lone writer.
 * A store's command is a lone writer's when no other command of the store is waiting at this gateway
 * and none has been for {@link #QUIET_NANOS}.
 *
 * <p>The quiet period is what keeps a loaded store's transactions large. Under a closed loop of
 * clients, a commit answers many commands at once, so for a moment none is in flight and the first
 * client to send again looks alone; an early commit for it would split the next transaction in two
 * and leave every later command waiting for an extra commit. Measured with 64 clients on one store,
 * that split cost about a third of the put throughput. A writer that was concurrent recently pays the
 * commit interval for the quiet period, then commits early again.
 *
 * <p>Thread-safe: {@link #sent} and {@link #answered} may be called from any thread, each exactly
 * once per command.
 */
final class EarlyCommitPolicy {
    /** Longer than a commit cycle under load (about 10 ms here), short next to a writer's life. */
    static final long QUIET_NANOS = 100_000_000L;
    private static final long NEVER = Long.MIN_VALUE;

    private final LongSupplier nanoClock;
    private final Map<String, StoreLoad> loads = new ConcurrentHashMap<>();

    EarlyCommitPolicy(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Counts a command of {@code store} as waiting; returns whether it should be committed at once. */
    boolean sent(String store) {
        long now = nanoClock.getAsLong();
        StoreLoad load = loads.compute(store, (s, old) -> old == null
                ? new StoreLoad(1, NEVER)
                : new StoreLoad(old.inFlight + 1, old.inFlight > 0 ? now : old.lastConcurrentNanos));
        return load.inFlight == 1 && !load.concurrentWithin(now);
    }

    /** Counts a command of {@code store} as answered (or given up on). */
    void answered(String store) {
        long now = nanoClock.getAsLong();
        // An idle store keeps its entry until its quiet period is over, so a burst's end is remembered.
        loads.computeIfPresent(store, (s, old) -> old.inFlight > 1 || old.concurrentWithin(now)
                ? new StoreLoad(old.inFlight - 1, old.lastConcurrentNanos)
                : null);
    }

    private record StoreLoad(int inFlight, long lastConcurrentNanos) {
        boolean concurrentWithin(long now) {
            return lastConcurrentNanos != NEVER && now - lastConcurrentNanos <= QUIET_NANOS;
        }
    }
}
