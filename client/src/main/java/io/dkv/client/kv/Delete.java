package io.dkv.client.kv;

import java.time.Duration;

/** Options of a delete; immutable. */
public final class Delete {
    private final Long ifRevision;
    private final String lock;
    private final Duration timeout;

    private Delete(Long ifRevision, String lock, Duration timeout) {
        this.ifRevision = ifRevision;
        this.lock = lock;
        this.timeout = timeout;
    }

    /** Only if the key's modification revision is {@code modRevision}. */
    public static Delete ifRevision(long modRevision) {
        return new Delete(modRevision, null, null);
    }

    /** Delete under the key's lock. */
    public static Delete withLock(String handle) {
        return new Delete(null, handle, null);
    }

    public static Delete timeout(Duration timeout) {
        return new Delete(null, null, timeout);
    }

    /** The options together; a later one wins where two set the same thing. */
    public static Delete merge(Delete... options) {
        Long ifRevision = null;
        String lock = null;
        Duration timeout = null;
        for (Delete option : options) {
            ifRevision = option.ifRevision != null ? option.ifRevision : ifRevision;
            lock = option.lock != null ? option.lock : lock;
            timeout = option.timeout != null ? option.timeout : timeout;
        }
        return new Delete(ifRevision, lock, timeout);
    }

    // Read by the client's implementation.

    public Long ifRevisionOption() {
        return ifRevision;
    }

    public String lockOption() {
        return lock;
    }

    public Duration timeoutOption() {
        return timeout;
    }
}
