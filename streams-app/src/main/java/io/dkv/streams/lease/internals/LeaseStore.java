package io.dkv.streams.lease.internals;

import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.Lease;
import io.dkv.streams.StoreKeys;
import io.dkv.streams.lease.LeaseRows;
import io.dkv.streams.lease.LiveLeases;
import io.dkv.streams.lease.LiveLeases.LeaseId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One task's leases: their rows in the logged {@code leases} state store ({@link LeaseRows}) and
 * their deadlines in {@link LiveLeases}, kept in step. The rows are the truth a rebuild restores;
 * the deadlines follow them ({@link #adoptAll} when the task starts). Used only from the task's
 * stream thread.
 */
public final class LeaseStore {
    private final KeyValueStore<Bytes, byte[]> rows;
    private final LiveLeases live;
    private final int partition;

    public LeaseStore(KeyValueStore<Bytes, byte[]> rows, LiveLeases live, int partition) {
        this.rows = rows;
        this.live = live;
        this.partition = partition;
    }

    /** Gives every lease of the task a full TTL from {@code nowMs}: the task (re)starts here. */
    public void adoptAll(long nowMs) {
        live.adopt(partition, LeaseRows.ttls(rows), nowMs);
    }

    /** The task stops here (closed, moved, or about to be revived): its deadlines go. */
    public void release() {
        live.release(partition);
    }

    /** @return the lease, or null if the store has none of that id */
    public Lease get(String store, long id) {
        return LeaseRows.get(rows, store, id);
    }

    /** How long the lease has left at {@code nowMs}; 0 when it is gone or its deadline passed. */
    public long remainingMs(String store, long id, long nowMs) {
        return live.remainingMs(partition, new LeaseId(store, id), nowMs).orElse(0);
    }

    public int count(String store) {
        return live.count(partition, store);
    }

    public boolean any() {
        return live.any(partition);
    }

    public List<LeaseId> expired(long nowMs) {
        return live.expired(partition, nowMs);
    }

    /** Records a new lease, which lives for its TTL from {@code nowMs}. */
    public void grant(String store, Lease lease, long nowMs) {
        rows.put(LeaseRows.leaseKey(store, lease.getId()), DkvCodec.LEASE.encode(lease));
        live.granted(partition, new LeaseId(store, lease.getId()), lease.getTtlMs(), nowMs);
    }

    /** Attaches {@code key} to the existing lease {@code lease}: in its row while that has room, else as an attachment row. */
    public void attach(String store, Lease lease, byte[] key) {
        Lease.Builder updated = Lease.newBuilder(lease).setKeyCount(lease.getKeyCount() + 1);
        if (lease.getKeys().size() < LeaseRows.INLINE_KEYS) {
            List<ByteBuffer> keys = new ArrayList<>(lease.getKeys());
            keys.add(ByteBuffer.wrap(key));
            updated.setKeys(keys);
        } else {
            rows.put(LeaseRows.attachmentKey(store, lease.getId(), key), LeaseRows.attachmentValue());
            updated.setSpilled(true);
        }
        rows.put(LeaseRows.leaseKey(store, lease.getId()), DkvCodec.LEASE.encode(updated.build()));
    }

    /** Detaches {@code key} from lease {@code id}, if both exist. */
    public void detach(String store, long id, byte[] key) {
        Lease lease = get(store, id);
        if (lease == null) {
            return;
        }
        Lease.Builder updated = Lease.newBuilder(lease).setKeyCount(Math.max(0, lease.getKeyCount() - 1));
        List<ByteBuffer> keys = new ArrayList<>(lease.getKeys());
        if (keys.remove(ByteBuffer.wrap(key))) {
            updated.setKeys(keys);
        } else {
            rows.delete(LeaseRows.attachmentKey(store, id, key));
        }
        rows.put(LeaseRows.leaseKey(store, id), DkvCodec.LEASE.encode(updated.build()));
    }

    /**
     * Removes the lease and its attachment rows.
     *
     * @return the keys that were attached, in byte order
     */
    public List<byte[]> remove(String store, Lease lease) {
        List<byte[]> keys = LeaseRows.keys(rows, store, lease, Integer.MAX_VALUE);
        if (lease.getSpilled()) {
            keys.forEach(key -> rows.delete(LeaseRows.attachmentKey(store, lease.getId(), key)));
        }
        rows.delete(LeaseRows.leaseKey(store, lease.getId()));
        live.revoked(partition, new LeaseId(store, lease.getId()));
        return keys;
    }

    /** The store was deleted: its leases go, without change records (its keys went with it). */
    public void deleteStore(String store) {
        StoreKeys.rowsOf(rows, store).forEach(rows::delete);
        live.forgetStore(partition, store);
    }
}
