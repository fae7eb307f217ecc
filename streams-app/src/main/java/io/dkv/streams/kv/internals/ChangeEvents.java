package io.dkv.streams.kv.internals;

import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.KeyValue;

/** Between a key's entry in the {@code kv} store and the change-topic value of a put. */
final class ChangeEvents {
    private ChangeEvents() {
    }

    static ChangeEvent put(KeyValue entry, KeyValue previous) {
        return ChangeEvent.newBuilder()
                .setType(ChangeType.PUT)
                .setValue(entry.getValue())
                .setRevision(entry.getModRevision())
                .setCreateRevision(entry.getCreateRevision())
                .setVersion(entry.getVersion())
                .setLease(entry.getLease())
                .setPrevValue(previous == null ? null : previous.getValue())
                .build();
    }

    /** The entry a put leaves in the {@code kv} store. */
    static KeyValue entry(ChangeEvent put) {
        return KeyValue.newBuilder()
                .setValue(put.getValue())
                .setCreateRevision(put.getCreateRevision())
                .setModRevision(put.getRevision())
                .setVersion(put.getVersion())
                .setLease(put.getLease())
                .build();
    }
}
