package io.dkv.streams.lease;

import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.Lease;
import io.dkv.streams.StoreKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The rows of the {@code leases} state store, and reads of them. Like {@link StoreKeys}, a row's key
 * starts with the DKV store's name and a 0 byte; then:
 * <ul>
 *   <li>{@code 'L'}, the lease id as 8 bytes big-endian → Avro {@code Lease} (TTL, grant time, key count, first keys);
 *   <li>{@code 'K'}, the lease id as 8 bytes big-endian, the user key → an empty value: the key is
 *       attached to the lease. The first {@link #INLINE_KEYS} attached keys live in the lease's row
 *       instead; only a lease with more ({@code spilled}) has these rows.
 * </ul>
 * Lease ids are positive, so rows sort by id. Stateless and thread-safe.
 */
public final class LeaseRows {
    private static final byte LEASE = 'L';
    private static final byte ATTACHED = 'K';
    private static final byte[] EMPTY = new byte[0];

    /** How many attached keys a lease's own row holds before further ones become attachment rows. */
    public static final int INLINE_KEYS = 8;

    private LeaseRows() {
    }

    /** A page of a store's leases in id order; {@code more} says whether leases follow the last one. */
    public record Page(List<Lease> leases, boolean more) {
    }

    public static Bytes leaseKey(String store, long id) {
        return StoreKeys.key(store, ByteBuffer.allocate(9).put(LEASE).putLong(id).array());
    }

    public static Bytes attachmentKey(String store, long id, byte[] userKey) {
        return StoreKeys.key(store, ByteBuffer.allocate(9 + userKey.length).put(ATTACHED).putLong(id).put(userKey).array());
    }

    /** The value of an attachment row. */
    public static byte[] attachmentValue() {
        return EMPTY;
    }

    /** @return the lease, or null if the store has no such lease */
    public static Lease get(ReadOnlyKeyValueStore<Bytes, byte[]> rows, String store, long id) {
        byte[] bytes = rows.get(leaseKey(store, id));
        return bytes == null ? null : DkvCodec.LEASE.decode(bytes);
    }

    /** The store's leases with an id above {@code afterId}, at most {@code limit}. */
    public static Page list(ReadOnlyKeyValueStore<Bytes, byte[]> rows, String store, long afterId, int limit) {
        Bytes scope = StoreKeys.key(store, new byte[] {LEASE});
        List<Lease> leases = new ArrayList<>(Math.min(limit, 1024));
        try (KeyValueIterator<Bytes, byte[]> it = rows.range(leaseKey(store, afterId + 1), null)) {
            while (it.hasNext()) {
                var next = it.next();
                if (!StoreKeys.hasPrefix(next.key, scope)) {
                    break;
                }
                if (leases.size() == limit) {
                    return new Page(leases, true);
                }
                leases.add(DkvCodec.LEASE.decode(next.value));
            }
        }
        return new Page(leases, false);
    }

    /**
     * The user keys attached to the lease, in byte order, at most {@code limit}: those in its row, and
     * the attachment rows only if it has spilled. Reading those rows is a range scan, and Kafka
     * Streams' RocksDB iterator steps past the range's last row to the next live one, over every
     * tombstone in between: the attachment rows of ended leases, unbounded under lease churn. A lease
     * whose keys all fit in its row never scans.
     */
    public static List<byte[]> keys(ReadOnlyKeyValueStore<Bytes, byte[]> rows, String store, Lease lease, int limit) {
        List<byte[]> keys = new ArrayList<>(lease.getKeys().size());
        lease.getKeys().forEach(key -> keys.add(Utils.toArray(key)));
        if (lease.getSpilled()) {
            Bytes scope = attachmentKey(store, lease.getId(), EMPTY);
            int offset = scope.get().length;
            int inline = keys.size();
            try (KeyValueIterator<Bytes, byte[]> it = rows.range(scope, null)) {
                while (keys.size() - inline < limit && it.hasNext()) {
                    Bytes key = it.next().key;
                    if (!StoreKeys.hasPrefix(key, scope)) {
                        break;
                    }
                    keys.add(Arrays.copyOfRange(key.get(), offset, key.get().length));
                }
            }
        }
        keys.sort(Arrays::compareUnsigned);
        return keys.size() > limit ? new ArrayList<>(keys.subList(0, limit)) : keys;
    }

    /** Every lease in the rows, whatever its store, with its TTL: what a starting task adopts. */
    public static Map<LiveLeases.LeaseId, Long> ttls(ReadOnlyKeyValueStore<Bytes, byte[]> rows) {
        Map<LiveLeases.LeaseId, Long> ttls = new HashMap<>();
        try (KeyValueIterator<Bytes, byte[]> it = rows.all()) {
            while (it.hasNext()) {
                var next = it.next();
                byte[] key = next.key.get();
                int nameEnd = indexOfZero(key);
                if (key.length == nameEnd + 10 && key[nameEnd + 1] == LEASE) {
                    Lease lease = DkvCodec.LEASE.decode(next.value);
                    String store = new String(key, 0, nameEnd, StandardCharsets.UTF_8);
                    ttls.put(new LiveLeases.LeaseId(store, lease.getId()), lease.getTtlMs());
                }
            }
        }
        return ttls;
    }

    private static int indexOfZero(byte[] key) {
        for (int i = 0; i < key.length; i++) {
            if (key[i] == 0) {
                return i;
            }
        }
        return key.length;
    }
}
