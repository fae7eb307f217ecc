package io.dkv.streams.kv.internals;

import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.KeyValue;

/** The change-topic value of a put, with the value it replaced. */
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
}
