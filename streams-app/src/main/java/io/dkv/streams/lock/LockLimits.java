package io.dkv.streams.lock;

/**
 * Bounds the owning task enforces on locks.
 *
 * @param maxWaitersPerLock callers one key's lock may have queued; one more is refused (429 TOO_MANY_WAITERS)
 */
public record LockLimits(int maxWaitersPerLock) {
    public static final LockLimits DEFAULTS = new LockLimits(1_000);

    public LockLimits {
        if (maxWaitersPerLock < 1) {
            throw new IllegalArgumentException("lock limits must be positive: " + maxWaitersPerLock);
        }
    }
}
