package io.dkv.streams.lease;

/**
 * Bounds the owning task enforces on leases, so one client cannot make a task's state, or the
 * single revision a revoke or expiry writes, grow without end.
 *
 * @param maxLeasesPerStore live leases one DKV store may have; a grant beyond it is refused (429 TOO_MANY_LEASES)
 * @param maxKeysPerLease keys one lease may hold; attaching one more is refused (413 TOO_MANY_KEYS_ON_LEASE)
 * @param expiryCheckMs how often a task with leases looks for expired ones (wall clock); a lease is
 *     gone at most about this plus an idle stream thread's poll after its deadline
 */
public record LeaseLimits(int maxLeasesPerStore, int maxKeysPerLease, long expiryCheckMs) {
    public static final LeaseLimits DEFAULTS = new LeaseLimits(100_000, 10_000, 100);

    public LeaseLimits {
        if (maxLeasesPerStore < 1 || maxKeysPerLease < 1 || expiryCheckMs < 1) {
            throw new IllegalArgumentException("lease limits must be positive: " + maxLeasesPerStore + ", "
                    + maxKeysPerLease + ", " + expiryCheckMs);
        }
    }
}
