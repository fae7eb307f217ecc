package io.dkv.client.kv;

import java.time.Duration;

/** Options of a get; immutable. */
public final class Get {
    private final String lock;
    private final long minRevision;
    private final Duration timeout;

    private Get(String lock, long minRevision, Duration timeout) {
        this.lock = lock;
        this.minRevision = minRevision;
        this.timeout = timeout;
    }

    /**
     * Read under the key's lock: the read is ordered with the writes (it goes through the log) and
     * answers LOCKED unless {@code handle} is the current holder's.
     */
    public static Get withLock(String handle) {
        return new Get(handle, 0, null);
    }

    /** Read at least store revision {@code revision} (the client already asks for the newest it has seen). */
    public static Get atLeast(long revision) {
        return new Get(null, revision, null);
    }

    public static Get timeout(Duration timeout) {
        return new Get(null, 0, timeout);
    }

    /** The options together; a later one wins where two set the same thing. */
    public static Get merge(Get... options) {
        String lock = null;
        long minRevision = 0;
        Duration timeout = null;
        for (Get option : options) {
            lock = option.lock != null ? option.lock : lock;
            minRevision = Math.max(minRevision, option.minRevision);
            timeout = option.timeout != null ? option.timeout : timeout;
        }
        return new Get(lock, minRevision, timeout);
    }

    // Read by the client's implementation.

    public String lockOption() {
        return lock;
    }

    public long minRevisionOption() {
        return minRevision;
    }

    public Duration timeoutOption() {
        return timeout;
    }
}
