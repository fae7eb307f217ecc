package io.dkv.streams.store.internals;

import io.dkv.schemas.StoreMeta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * For each DKV store of a task, which incarnation (creation time) and revision its rows in the
 * task's local {@code kv} state store reflect. The {@code kv} store has no changelog (the change
 * topics hold its data), so after its task moves, or comes back to a copy left on disk earlier,
 * comparing these marks with the meta store (which Kafka Streams restores) tells which stores' rows
 * must be rebuilt from their change topics.
 *
 * <p>A mark lives in the {@code kv} store itself, under a 0 byte followed by the store name. Store
 * names contain no 0 byte and are not empty, so no store's key range ({@code StoreKeys}) holds a
 * mark. Used only from the task's stream thread.
 */
final class MaterializedRevisions {
    private static final Bytes FIRST = Bytes.wrap(new byte[] {0});
    private static final Bytes AFTER_LAST = Bytes.wrap(new byte[] {1});

    private final KeyValueStore<Bytes, byte[]> kv;

    MaterializedRevisions(KeyValueStore<Bytes, byte[]> kv) {
        this.kv = kv;
    }

    /** Records that the store's rows are those of this incarnation at this revision. */
    void mark(String store, StoreMeta meta) {
        kv.put(key(store), ByteBuffer.allocate(16).putLong(meta.getCreatedAtMs()).putLong(meta.getRevision()).array());
    }

    void forget(String store) {
        kv.delete(key(store));
    }

    /** Whether the store's rows are those of the incarnation and revision in {@code meta}. */
    boolean matches(String store, StoreMeta meta) {
        byte[] mark = kv.get(key(store));
        if (mark == null) {
            return false;
        }
        ByteBuffer buffer = ByteBuffer.wrap(mark);
        return buffer.getLong() == meta.getCreatedAtMs() && buffer.getLong() == meta.getRevision();
    }

    /** Every store that has a mark. */
    List<String> marked() {
        List<String> stores = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = kv.range(FIRST, AFTER_LAST)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                byte[] key = entry.key.get();
                if (key.length > 0 && key[0] == 0) {
                    stores.add(new String(key, 1, key.length - 1, StandardCharsets.UTF_8));
                }
            }
        }
        return stores;
    }

    private static Bytes key(String store) {
        byte[] name = store.getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[name.length + 1];
        System.arraycopy(name, 0, key, 1, name.length);
        return Bytes.wrap(key);
    }
}
