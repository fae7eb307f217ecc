package io.dkv.client.lock;

import io.dkv.client.internals.Blocking;
import io.dkv.client.lease.KeepAlive;
import io.dkv.client.lease.LeaseLostListener;
import java.util.concurrent.CompletableFuture;

/**
 * A held lock. Pass {@link #handle()} on writes to the key ({@code Put.withLock(lock.handle())}), and
 * {@link #fencingToken()} to any resource outside DKV that the lock guards: tokens strictly increase
 * with every grant of the key's lock, so such a resource refuses a writer whose token is older than
 * one it has seen. Closing the handle releases the lock (try-with-resources). Thread-safe.
 */
public interface LockHandle extends AutoCloseable {

    String key();

    /** The secret that proves ownership on KV calls. */
    String handle();

    long fencingToken();

    /** When the lock ends unless refreshed (epoch ms), as of the grant or the last refresh. */
    long expiresAtMs();

    /** The lease the lock lives on. */
    long lease();

    /** Whether that lease was granted for this lock alone (and is revoked on release). */
    boolean ownLease();

    /** Keeps the lock for another full TTL; false when it is no longer held (expired or released). */
    CompletableFuture<Boolean> refreshAsync();

    /** Releases the lock, handing it to the next waiter; false when it was no longer held. */
    CompletableFuture<Boolean> releaseAsync();

    /**
     * Refreshes the lock's lease in the background until the lock is released or closed, telling
     * {@code onLost} if it is lost. For a lock on a shared lease, keep that lease alive instead.
     */
    KeepAlive keepAlive(LeaseLostListener onLost);

    default boolean refresh() {
        return Blocking.call(() -> refreshAsync());
    }

    default boolean release() {
        return Blocking.call(() -> releaseAsync());
    }

    /** Releases the lock if it is still held. */
    @Override
    default void close() {
        release();
    }
}
