package io.dkv.client.lock;

import io.dkv.client.internals.Blocking;
import io.dkv.client.lease.Lease;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Locks on keys of one store. A lock is held until released or until its lease ends: a lease of its
 * own with a TTL, or a lease the caller keeps alive for many locks. Waiters are served first come,
 * first served; a waiter whose wait ends leaves the queue. While a key is locked, writes to it without
 * the holder's handle answer {@code LOCKED}.
 *
 * <p>Thread-safe. "Held by another" is an empty result, never an exception; the futures fail with
 * {@link io.dkv.client.DkvException} for failures ({@code TOO_MANY_WAITERS}, a TTL out of range,
 * an unknown lease, no gateway).
 */
public interface Locks {

    /** Acquires the lock with a lease of its own of {@code ttl}, waiting up to {@code wait} (zero: do not wait). */
    CompletableFuture<Optional<LockHandle>> acquireAsync(String key, Duration ttl, Duration wait);

    /** Acquires the lock on {@code lease}: it ends when the lease does. */
    CompletableFuture<Optional<LockHandle>> acquireAsync(String key, Lease lease, Duration wait);

    CompletableFuture<LockInfo> describeAsync(String key);

    default Optional<LockHandle> acquire(String key, Duration ttl) {
        return acquire(key, ttl, Duration.ZERO);
    }

    default Optional<LockHandle> acquire(String key, Duration ttl, Duration wait) {
        return Blocking.call(() -> acquireAsync(key, ttl, wait));
    }

    default Optional<LockHandle> acquire(String key, Lease lease, Duration wait) {
        return Blocking.call(() -> acquireAsync(key, lease, wait));
    }

    default LockInfo describe(String key) {
        return Blocking.call(() -> describeAsync(key));
    }
}
