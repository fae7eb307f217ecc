package io.dkv.spring.lock;

import io.dkv.client.lease.KeepAlive;
import io.dkv.client.lock.LockHandle;
import io.dkv.client.lock.Locks;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.integration.support.locks.DistributedLock;

/**
 * One DKV lock as a {@link java.util.concurrent.locks.Lock}, owned by a thread and reentrant within it,
 * like Spring Integration's Redis and JDBC locks. While held, its lease is kept alive in the
 * background; if the lock is nevertheless lost (its lease ended), a reentrant {@code tryLock} by the
 * holder answers false, which is how {@code LockRegistryLeaderInitiator} notices it no longer leads.
 * {@link #fencingToken()} gives the holder's token for guarding writes outside DKV.
 */
public final class DkvLock implements DistributedLock {
    /** A wait DKV accepts in one call; longer waits are several calls. */
    private static final Duration MAX_WAIT_PER_CALL = Duration.ofSeconds(60);

    private final Locks locks;
    private final String key;
    private final Duration defaultTtl;
    private final ReentrantLock local = new ReentrantLock();
    private volatile LockHandle held;
    private volatile KeepAlive keepAlive;
    private volatile boolean lost;

    DkvLock(Locks locks, String key, Duration defaultTtl) {
        this.locks = locks;
        this.key = key;
        this.defaultTtl = defaultTtl;
    }

    public String key() {
        return key;
    }

    /** The fencing token of the current hold, or 0 when not held. */
    public long fencingToken() {
        LockHandle handle = held;
        return handle == null ? 0 : handle.fencingToken();
    }

    /** The handle to pass on KV writes to the locked key, or null when not held. */
    public String handle() {
        LockHandle handle = held;
        return handle == null ? null : handle.handle();
    }

    @Override
    public void lock() {
        lock(defaultTtl);
    }

    @Override
    public void lock(Duration ttl) {
        boolean interrupted = false;
        while (true) {
            try {
                if (tryLock(MAX_WAIT_PER_CALL, ttl)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        while (!tryLock(MAX_WAIT_PER_CALL, defaultTtl)) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    @Override
    public boolean tryLock() {
        try {
            return tryLock(Duration.ZERO, defaultTtl);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return tryLock(Duration.ofNanos(unit.toNanos(time)), defaultTtl);
    }

    @Override
    public boolean tryLock(Duration waitTime, Duration ttl) throws InterruptedException {
        long deadline = System.nanoTime() + waitTime.toNanos();
        if (local.isHeldByCurrentThread()) {
            LockHandle handle = held;
            if (handle == null || lost || !handle.refresh()) {
                return false;
            }
            local.lock();
            return true;
        }
        if (!local.tryLock(waitTime.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        try {
            while (true) {
                long remaining = Math.max(0, deadline - System.nanoTime());
                Duration wait = Duration.ofNanos(Math.min(remaining, MAX_WAIT_PER_CALL.toNanos()));
                Optional<LockHandle> acquired = locks.acquire(key, ttl, wait);
                if (acquired.isPresent()) {
                    LockHandle handle = acquired.get();
                    lost = false;
                    held = handle;
                    keepAlive = handle.keepAlive((lease, reason) -> lost = true);
                    return true;
                }
                if (deadline - System.nanoTime() <= 0) {
                    local.unlock();
                    return false;
                }
                if (Thread.interrupted()) {
                    local.unlock();
                    throw new InterruptedException();
                }
            }
        } catch (RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    /**
     * Gives up one hold; the last one releases the DKV lock (the next waiter gets it).
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the lock
     */
    @Override
    public void unlock() {
        if (!local.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("lock " + key + " is not held by this thread");
        }
        try {
            if (local.getHoldCount() == 1) {
                LockHandle handle = held;
                held = null;
                if (keepAlive != null) {
                    keepAlive.close();
                }
                if (handle != null) {
                    handle.release();
                }
            }
        } finally {
            local.unlock();
        }
    }

    /** Extends the hold to another full TTL. @throws IllegalStateException if this thread does not hold it, or it was lost */
    void renew() {
        LockHandle handle = held;
        if (!local.isHeldByCurrentThread() || handle == null || !handle.refresh()) {
            throw new IllegalStateException("lock " + key + " is not held by this thread");
        }
    }

    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("DKV locks have no conditions");
    }

    @Override
    public String toString() {
        return "DkvLock[" + key + (held == null ? "" : ", token " + held.fencingToken()) + "]";
    }
}
