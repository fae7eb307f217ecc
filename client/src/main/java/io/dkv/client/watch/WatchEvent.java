package io.dkv.client.watch;

import java.nio.charset.StandardCharsets;

/**
 * One change of one key. Events of one transaction (or of one lease's end) share their revision and
 * arrive together.
 *
 * @param value the new value; null for a DELETE
 * @param prevValue the replaced value when the watch asked for it, else null
 * @param lease the key's lease (for a DELETE caused by a lease's end, that lease), or 0
 * @param cause why a DELETE happened that no client asked for: {@code lease-expired},
 *     {@code lease-revoked}, {@code lock-released}; else null
 */
public record WatchEvent<T>(Type type, byte[] keyBytes, T value, T prevValue, long revision, long createRevision,
        long version, long lease, String cause) {

    public enum Type { PUT, DELETE }

    public String key() {
        return new String(keyBytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return type + " " + key() + (type == Type.PUT ? "=" + value : "") + " @" + revision + (cause == null ? "" : " (" + cause + ")");
    }
}
