package io.dkv.gateway.watch.internals;

import java.util.Arrays;

/** What one watch covers: exactly one key, or every key that starts with a prefix, in one store. */
public record WatchScope(String store, byte[] key, boolean prefix) {

    public boolean matches(byte[] candidate) {
        if (!prefix) {
            return Arrays.equals(candidate, key);
        }
        return candidate.length >= key.length && Arrays.equals(candidate, 0, key.length, key, 0, key.length);
    }
}
