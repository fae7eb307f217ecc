package io.dkv.streams.store.internals;

import io.dkv.schemas.Command;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.Status;
import io.dkv.schemas.StoreMeta;
import io.dkv.streams.StoreEntries;
import io.dkv.streams.StoreKeys;
import io.dkv.streams.internals.CommandOutcome;
import io.dkv.streams.internals.Replies;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The DKV stores owned by one Streams task: their revision and key count in the meta state
 * store, their creation and deletion, and which of them have local {@code kv} rows that lag behind
 * the meta store ({@link MaterializedRevisions}). Used only from the task's stream thread.
 */
public final class StoreRegistry {
    private final KeyValueStore<String, byte[]> meta;
    private final KeyValueStore<Bytes, byte[]> kv;
    private final MaterializedRevisions materialized;

    public StoreRegistry(KeyValueStore<String, byte[]> meta, KeyValueStore<Bytes, byte[]> kv) {
        this.meta = meta;
        this.kv = kv;
        this.materialized = new MaterializedRevisions(kv);
    }

    /** @return the store's bookkeeping, or null if the store does not exist (or is being deleted) */
    public StoreMeta get(String store) {
        return StoreEntries.liveStore(meta.get(store));
    }

    /** The store's entry in the meta store, including one whose delete has not finished. */
    private StoreMeta entry(String store) {
        byte[] bytes = meta.get(store);
        return bytes == null ? null : DkvCodec.STORE_META.decode(bytes);
    }

    /** Records the store's new bookkeeping; the caller writes the keys it changed at that revision. */
    public void put(String store, StoreMeta storeMeta) {
        meta.put(store, DkvCodec.STORE_META.encode(storeMeta));
        materialized.mark(store, storeMeta);
    }

    /** Every store of the task, by name, without those being deleted. */
    private Map<String, StoreMeta> all() {
        Map<String, StoreMeta> stores = new TreeMap<>();
        try (KeyValueIterator<String, byte[]> it = meta.all()) {
            it.forEachRemaining(entry -> {
                StoreMeta storeMeta = StoreEntries.liveStore(entry.value);
                if (storeMeta != null) {
                    stores.put(entry.key, storeMeta);
                }
            });
        }
        return stores;
    }

    /**
     * The stores whose local {@code kv} rows are not those of their incarnation and revision in the
     * meta store (the rows of a copy left on disk, or none), each to be cleared with
     * {@link #clearKeys} and rebuilt, then marked with {@link #rebuilt}. Also clears the rows of
     * stores deleted meanwhile.
     */
    public Map<String, StoreMeta> staleKeys() {
        Map<String, StoreMeta> stores = all();
        for (String store : materialized.marked()) {
            if (!stores.containsKey(store)) {
                clearKeys(store);
                materialized.forget(store);
            }
        }
        stores.entrySet().removeIf(entry -> materialized.matches(entry.getKey(), entry.getValue()));
        return stores;
    }

    /** Records that the store's rows were rebuilt up to the revision in {@code storeMeta}. */
    public void rebuilt(String store, StoreMeta storeMeta) {
        materialized.mark(store, storeMeta);
    }

    /** Deletes every key of the store from the local {@code kv} rows. */
    public void clearKeys(String store) {
        List<Bytes> keys = new ArrayList<>();
        forEachKey(store, keys::add);
        keys.forEach(kv::delete);
    }

    /** How many keys the store has in the local {@code kv} rows. */
    public long keyCount(String store) {
        long[] count = {0};
        forEachKey(store, key -> count[0]++);
        return count[0];
    }

    private void forEachKey(String store, Consumer<Bytes> action) {
        Bytes start = StoreKeys.prefix(store, new byte[0]);
        try (KeyValueIterator<Bytes, byte[]> it = kv.range(start, null)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (!StoreKeys.hasPrefix(entry.key, start)) {
                    break;
                }
                action.accept(entry.key);
            }
        }
    }

    /**
     * Creates the store at revision 0; an existing store is left as it is, and a store whose delete
     * has not finished ({@link #delete}) is not created ({@code CONFLICT}).
     */
    public CommandOutcome create(Command command, long timestampMs) {
        StoreMeta existing = entry(command.getStore());
        if (existing != null && existing.getDeleting()) {
            return CommandOutcome.of(Replies.of(command, Status.CONFLICT, existing.getRevision())
                    .setMessage("store " + command.getStore() + " is being deleted").build());
        }
        if (existing != null) {
            return CommandOutcome.of(Replies.of(command, Status.ALREADY_EXISTS, existing.getRevision())
                    .setMessage("store " + command.getStore() + " already exists").build());
        }
        put(command.getStore(), StoreMeta.newBuilder().setRevision(0).setKeyCount(0).setCreatedAtMs(timestampMs).build());
        return CommandOutcome.of(Replies.of(command, Status.OK, 0).build());
    }

    /**
     * The first step of a delete: removes the store and all its keys, and keeps the name taken
     * until {@link #releaseName}, so the gateway can delete the change topic without a new store
     * of that name being created meanwhile. No change records are written.
     *
     * <p>Repeated for a store being deleted, it replies OK again, so the gateway finishes a delete that
     * stopped halfway. For a name with no store it replies NOT_FOUND but still takes the name: a
     * change topic left by an earlier store of that name is then deleted the same way.
     */
    public CommandOutcome delete(Command command, long timestampMs) {
        StoreMeta existing = entry(command.getStore());
        if (existing == null) {
            keepNameTaken(command.getStore(), StoreMeta.newBuilder().setRevision(0).setCreatedAtMs(timestampMs));
            return CommandOutcome.of(Replies.notFound(command));
        }
        if (!existing.getDeleting()) {
            clearKeys(command.getStore());
            keepNameTaken(command.getStore(), StoreMeta.newBuilder(existing));
            materialized.forget(command.getStore());
        }
        return CommandOutcome.of(Replies.of(command, Status.OK, existing.getRevision()).build());
    }

    /** Writes the entry of a store being deleted: no keys, marked so that it is no store but holds the name. */
    private void keepNameTaken(String store, StoreMeta.Builder entry) {
        meta.put(store, DkvCodec.STORE_META.encode(entry.setKeyCount(0).setDeleting(true).build()));
    }

    /** The last step of a delete, once the change topic is gone: the name can be used again. */
    public CommandOutcome releaseName(Command command) {
        StoreMeta existing = entry(command.getStore());
        if (existing == null) {
            return CommandOutcome.of(Replies.notFound(command));
        }
        if (!existing.getDeleting()) {
            return CommandOutcome.of(Replies.of(command, Status.CONFLICT, existing.getRevision())
                    .setMessage("store " + command.getStore() + " exists and is not being deleted").build());
        }
        meta.delete(command.getStore());
        return CommandOutcome.of(Replies.of(command, Status.OK, existing.getRevision()).build());
    }
}
