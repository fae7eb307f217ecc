package io.dkv.client.kv;

import java.nio.charset.StandardCharsets;

/**
 * A key with its value and revisions, as of some store revision.
 *
 * @param key the key's bytes; {@link #key()} gives it as text
 * @param value the decoded value
 * @param createRevision the revision that created the key (in its current life)
 * @param modRevision the revision of the last change: use it with {@code Put.ifRevision}
 * @param version how many times the key was written since it was created (1 after the create)
 * @param lease the lease the key is attached to, or 0
 */
public record Entry<T>(byte[] keyBytes, T value, long createRevision, long modRevision, long version, long lease) {

    /** The key as UTF-8 text. */
    public String key() {
        return new String(keyBytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return key() + "=" + value + "@" + modRevision;
    }
}
