package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import io.dkv.client.Codec;
import io.dkv.client.kv.Entry;

/** Entries from DKV's JSON view of a key. */
public final class Entries {
    private Entries() {
    }

    /** The entry in {@code node} (key, value, revisions, lease); {@code valueField} names the value's field. */
    public static <T> Entry<T> of(JsonNode node, String valueField, Codec<T> codec) {
        byte[] value = Json.bytes(node, valueField);
        return new Entry<>(Json.bytes(node, "key"), value == null ? null : codec.decode(value),
                Json.number(node, "createRevision"), Json.number(node, "modRevision"), Json.number(node, "version"),
                Json.lease(node, "lease"));
    }
}
