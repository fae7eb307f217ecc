package io.dkv.streams.lock;

import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.Lock;
import io.dkv.schemas.LockWaiter;
import io.dkv.streams.StoreKeys;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The rows of the {@code locks} state store, and reads of them. Like {@link StoreKeys}, a row's key
 * starts with the DKV store's name and a 0 byte; then:
 * <ul>
 *   <li>{@code 'H'}, the user key → Avro {@code Lock}: the key's lock is held, by that handle;
 *   <li>{@code 'W'}, the user key's length as 4 bytes big-endian, the user key, a sequence number as
 *       8 bytes big-endian → Avro {@code LockWaiter}: a caller waiting for the key's lock. The
 *       sequence is the offset of the command that queued it, so the key's waiters sort in arrival order.
 * </ul>
 * Stateless and thread-safe.
 */
public final class LockRows {
    private static final byte HOLDER = 'H';
    private static final byte WAITER = 'W';

    private LockRows() {
    }

    /** A queued waiter and the row that holds it. */
    public record Waiting(Bytes row, LockWaiter waiter) {
    }

    public static Bytes holderKey(String store, byte[] userKey) {
        return StoreKeys.key(store, ByteBuffer.allocate(1 + userKey.length).put(HOLDER).put(userKey).array());
    }

    public static Bytes waiterKey(String store, byte[] userKey, long sequence) {
        byte[] scope = waiterScope(userKey);
        return StoreKeys.key(store, ByteBuffer.allocate(scope.length + 8).put(scope).putLong(sequence).array());
    }

    /** @return the holder of the key's lock, or null when it is free */
    public static Lock holder(ReadOnlyKeyValueStore<Bytes, byte[]> rows, String store, byte[] userKey) {
        byte[] bytes = rows.get(holderKey(store, userKey));
        return bytes == null ? null : DkvCodec.LOCK.decode(bytes);
    }

    /** The key's waiters in arrival order, at most {@code limit}. */
    public static List<Waiting> waiters(ReadOnlyKeyValueStore<Bytes, byte[]> rows, String store, byte[] userKey, int limit) {
        Bytes scope = StoreKeys.key(store, waiterScope(userKey));
        List<Waiting> waiters = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = rows.range(scope, null)) {
            while (it.hasNext() && waiters.size() < limit) {
                KeyValue<Bytes, byte[]> next = it.next();
                if (!StoreKeys.hasPrefix(next.key, scope)) {
                    break;
                }
                waiters.add(new Waiting(next.key, DkvCodec.LOCK_WAITER.decode(next.value)));
            }
        }
        return waiters;
    }


    /** The waiter rows of one key share this prefix; its length keeps key "a"'s rows apart from key "ab"'s. */
    private static byte[] waiterScope(byte[] userKey) {
        return ByteBuffer.allocate(1 + 4 + userKey.length).put(WAITER).putInt(userKey.length).put(userKey).array();
    }
}
