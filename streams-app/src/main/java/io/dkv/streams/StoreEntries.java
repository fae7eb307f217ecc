package io.dkv.streams;

import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.StoreMeta;

/**
 * Values of the {@link DkvTopology#META_STORE} state store: an Avro {@code StoreMeta} per store name.
 * An entry marked {@code deleting} is not a store: it keeps the name of a deleted store taken until
 * its change topic is gone. Stateless and thread-safe.
 */
public final class StoreEntries {
    private StoreEntries() {
    }

    /** The store the value describes, or null for no value and for a store being deleted. */
    public static StoreMeta liveStore(byte[] metaValue) {
        StoreMeta meta = metaValue == null ? null : DkvCodec.STORE_META.decode(metaValue);
        return meta == null || meta.getDeleting() ? null : meta;
    }
}
