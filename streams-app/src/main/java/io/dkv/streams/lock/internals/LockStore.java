package io.dkv.streams.lock.internals;

import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.Lock;
import io.dkv.schemas.LockHandle;
import io.dkv.schemas.LockState;
import io.dkv.schemas.LockWaiter;
import io.dkv.streams.StoreKeys;
import io.dkv.streams.lease.internals.LeaseStore;
import io.dkv.streams.lock.LockRows;
import io.dkv.streams.lock.LockRows.Waiting;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One task's locks: who holds each key's lock and who waits for it, in the logged {@code locks}
 * state store ({@link LockRows}). A lock lives as long as its lease, whose deadline {@link LeaseStore}
 * knows. Used only from the task's stream thread.
 */
public final class LockStore {
    private final KeyValueStore<Bytes, byte[]> rows;
    private final LeaseStore leases;

    public LockStore(KeyValueStore<Bytes, byte[]> rows, LeaseStore leases) {
        this.rows = rows;
        this.leases = leases;
    }

    /** @return the holder of the key's lock, or null when it is free */
    public Lock holder(String store, byte[] key) {
        return LockRows.holder(rows, store, key);
    }

    /**
     * Whether {@code handle} is the holder's and the holder's lease still lives at {@code nowMs}: a
     * holder whose lease deadline passed has lost the lock even before its expiry is written.
     */
    public boolean valid(String store, Lock holder, LockHandle handle, long nowMs) {
        return holder.getFencingToken() == handle.getFencingToken() && holder.getNonce() == handle.getNonce()
                && leases.remainingMs(store, holder.getLease(), nowMs) > 0;
    }

    /** When the holder's lease ends if it is not refreshed, by the task's wall clock. */
    public long expiresAtMs(String store, Lock holder, long nowMs) {
        return nowMs + leases.remainingMs(store, holder.getLease(), nowMs);
    }

    /**
     * The lock as a reply tells it to someone other than its holder: token, lease and deadline, never
     * the handle's secret.
     */
    public LockState state(String store, Lock holder, long nowMs) {
        return LockState.newBuilder().setFencingToken(holder.getFencingToken()).setLease(holder.getLease())
                .setOwnLease(holder.getOwnLease()).setTtlMs(holder.getTtlMs()).setExpiresAtMs(expiresAtMs(store, holder, nowMs))
                .build();
    }

    public void hold(String store, byte[] key, Lock holder) {
        rows.put(LockRows.holderKey(store, key), DkvCodec.LOCK.encode(holder));
    }

    public void free(String store, byte[] key) {
        rows.delete(LockRows.holderKey(store, key));
    }

    /** The key's waiters in arrival order, at most {@code limit}. */
    public List<Waiting> waiters(String store, byte[] key, int limit) {
        return LockRows.waiters(rows, store, key, limit);
    }

    /** Queues a waiter behind those queued before; {@code sequence} grows with every call. */
    public void enqueue(String store, byte[] key, long sequence, LockWaiter waiter) {
        rows.put(LockRows.waiterKey(store, key, sequence), DkvCodec.LOCK_WAITER.encode(waiter));
    }

    public void dequeue(Waiting waiting) {
        rows.delete(waiting.row());
    }

    /** The store was deleted: its locks and queues go with it. */
    public void deleteStore(String store) {
        StoreKeys.rowsOf(rows, store).forEach(rows::delete);
    }
}
