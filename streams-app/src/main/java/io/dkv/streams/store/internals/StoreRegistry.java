package io.dkv.streams.store.internals;

import io.dkv.schemas.Command;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.Status;
import io.dkv.schemas.StoreMeta;
import io.dkv.streams.StoreKeys;
import io.dkv.streams.internals.CommandOutcome;
import io.dkv.streams.internals.Replies;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The DKV stores owned by one Streams task: their revision and key count in the meta state
 * store, and their creation and deletion. Used only from the task's stream thread.
 */
public final class StoreRegistry {
    private final KeyValueStore<String, byte[]> meta;
    private final KeyValueStore<Bytes, byte[]> kv;

    public StoreRegistry(KeyValueStore<String, byte[]> meta, KeyValueStore<Bytes, byte[]> kv) {
        this.meta = meta;
        this.kv = kv;
    }

    /** @return the store's bookkeeping, or null if the store does not exist */
    public StoreMeta get(String store) {
        byte[] bytes = meta.get(store);
        return bytes == null ? null : DkvCodec.STORE_META.decode(bytes);
    }

    public void put(String store, StoreMeta storeMeta) {
        meta.put(store, DkvCodec.STORE_META.encode(storeMeta));
    }

    /** Creates the store at revision 0; an existing store is left as it is. */
    public CommandOutcome create(Command command, long timestampMs) {
        StoreMeta existing = get(command.getStore());
        if (existing != null) {
            return CommandOutcome.of(Replies.of(command, Status.ALREADY_EXISTS, existing.getRevision())
                    .setMessage("store " + command.getStore() + " already exists").build());
        }
        put(command.getStore(), StoreMeta.newBuilder().setRevision(0).setKeyCount(0).setCreatedAtMs(timestampMs).build());
        return CommandOutcome.of(Replies.of(command, Status.OK, 0).build());
    }

    /**
     * Deletes the store and all its keys. No change records are written: the gateway deletes the
     * store's change topic once this command has committed.
     */
    public CommandOutcome delete(Command command) {
        StoreMeta existing = get(command.getStore());
        if (existing == null) {
            return CommandOutcome.of(Replies.notFound(command));
        }
        Bytes start = StoreKeys.prefix(command.getStore(), new byte[0]);
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = kv.range(start, null)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (!StoreKeys.hasPrefix(entry.key, start)) {
                    break;
                }
                keys.add(entry.key);
            }
        }
        keys.forEach(kv::delete);
        meta.delete(command.getStore());
        return CommandOutcome.of(Replies.of(command, Status.OK, existing.getRevision()).build());
    }
}
