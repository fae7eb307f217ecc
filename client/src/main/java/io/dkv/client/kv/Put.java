package io.dkv.client.kv;

import java.time.Duration;

/**
 * Options of a put, combined by passing several: {@code kv.put(k, v, Put.ifAbsent(), Put.withLease(id))}.
 * Immutable.
 */
public final class Put {
    private final Long ifRevision;
    private final boolean ifAbsent;
    private final boolean ifPresent;
    private final long lease;
    private final String lock;
    private final Duration timeout;

    private Put(Long ifRevision, boolean ifAbsent, boolean ifPresent, long lease, String lock, Duration timeout) {
        this.ifRevision = ifRevision;
        this.ifAbsent = ifAbsent;
        this.ifPresent = ifPresent;
        this.lease = lease;
        this.lock = lock;
        this.timeout = timeout;
    }

    /** Only if the key does not exist (else PRECONDITION_FAILED). */
    public static Put ifAbsent() {
        return new Put(null, true, false, 0, null, null);
    }

    /** Only if the key exists. */
    public static Put ifPresent() {
        return new Put(null, false, true, 0, null, null);
    }

    /** Only if the key's modification revision is {@code modRevision}: compare-and-set. */
    public static Put ifRevision(long modRevision) {
        return new Put(modRevision, false, false, 0, null, null);
    }

    /** Attach the key to lease {@code leaseId}; it is deleted when the lease ends. A put without it detaches the key. */
    public static Put withLease(long leaseId) {
        return new Put(null, false, false, leaseId, null, null);
    }

    /** Write under the key's lock: a locked key is written only with its current holder's handle. */
    public static Put withLock(String handle) {
        return new Put(null, false, false, 0, handle, null);
    }

    /** This call's deadline instead of the client's default. */
    public static Put timeout(Duration timeout) {
        return new Put(null, false, false, 0, null, timeout);
    }

    /** The options together; a later one wins where two set the same thing. */
    public static Put merge(Put... options) {
        Long ifRevision = null;
        boolean ifAbsent = false;
        boolean ifPresent = false;
        long lease = 0;
        String lock = null;
        Duration timeout = null;
        for (Put option : options) {
            ifRevision = option.ifRevision != null ? option.ifRevision : ifRevision;
            ifAbsent |= option.ifAbsent;
            ifPresent |= option.ifPresent;
            lease = option.lease != 0 ? option.lease : lease;
            lock = option.lock != null ? option.lock : lock;
            timeout = option.timeout != null ? option.timeout : timeout;
        }
        if ((ifRevision != null ? 1 : 0) + (ifAbsent ? 1 : 0) + (ifPresent ? 1 : 0) > 1) {
            throw new IllegalArgumentException("a put takes one condition: ifAbsent, ifPresent or ifRevision");
        }
        return new Put(ifRevision, ifAbsent, ifPresent, lease, lock, timeout);
    }

    // Read by the client's implementation.

    public Long ifRevisionOption() {
        return ifRevision;
    }

    public boolean ifAbsentOption() {
        return ifAbsent;
    }

    public boolean ifPresentOption() {
        return ifPresent;
    }

    public long leaseOption() {
        return lease;
    }

    public String lockOption() {
        return lock;
    }

    public Duration timeoutOption() {
        return timeout;
    }
}
