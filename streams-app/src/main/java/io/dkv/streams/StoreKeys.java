package io.dkv.streams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Keys of the {@link DkvTopology#KV_STORE} state store. One RocksDB store per Streams task holds
 * the keys of every DKV store whose commands land on that task's partition, so a key is the store
 * name, a 0 byte, then the user key. Store names cannot contain 0 (see
 * {@link io.dkv.kafka.DkvTopics#STORE_NAME}), so each store's keys form one contiguous, bytewise
 * sorted range. Stateless and thread-safe.
 */
public final class StoreKeys {
    private StoreKeys() {
    }

    public static Bytes key(String store, byte[] userKey) {
        byte[] name = store.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(name, name.length + 1 + userKey.length);
        System.arraycopy(userKey, 0, out, name.length + 1, userKey.length);
        return Bytes.wrap(out);
    }

    /** The first key of a store's range that starts with {@code userPrefix}. */
    public static Bytes prefix(String store, byte[] userPrefix) {
        return key(store, userPrefix);
    }

    /** The user key part of a key of {@code store}. */
    public static byte[] userKey(String store, Bytes key) {
        int offset = store.getBytes(StandardCharsets.UTF_8).length + 1;
        return Arrays.copyOfRange(key.get(), offset, key.get().length);
    }

    /** Whether {@code key} starts with {@code prefix} (both full store keys). */
    public static boolean hasPrefix(Bytes key, Bytes prefix) {
        byte[] k = key.get();
        byte[] p = prefix.get();
        return k.length >= p.length && Arrays.equals(k, 0, p.length, p, 0, p.length);
    }

    /** Every row key of {@code store} in a state store keyed this way, for the store's delete. */
    public static List<Bytes> rowsOf(ReadOnlyKeyValueStore<Bytes, byte[]> rows, String store) {
        Bytes scope = prefix(store, new byte[0]);
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = rows.range(scope, null)) {
            while (it.hasNext()) {
                Bytes key = it.next().key;
                if (!hasPrefix(key, scope)) {
                    break;
                }
                keys.add(key);
            }
        }
        return keys;
    }
}
