package io.dkv.streams.lock;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The reserved key space through which locks are visible to every reader and watcher: while the
 * lock on user key {@code k} is held, the store has the key {@code _locks/k}, put at the grant (its
 * modification revision is the grant's fencing token) and attached to the lock's lease; the release
 * or the lease's end deletes it. Clients cannot write these keys; they read, list and watch them.
 * Stateless and thread-safe.
 */
public final class LockKeys {
    /** The prefix of every lock's key. */
    public static final String PREFIX = "_locks/";
    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.UTF_8);

    private LockKeys() {
    }

    /** The key that shows the lock on {@code userKey}. */
    public static byte[] lockKey(byte[] userKey) {
        byte[] out = Arrays.copyOf(PREFIX_BYTES, PREFIX_BYTES.length + userKey.length);
        System.arraycopy(userKey, 0, out, PREFIX_BYTES.length, userKey.length);
        return out;
    }

    /** Whether {@code key} is in the reserved space. */
    public static boolean isLockKey(byte[] key) {
        return key.length >= PREFIX_BYTES.length && Arrays.equals(key, 0, PREFIX_BYTES.length, PREFIX_BYTES, 0, PREFIX_BYTES.length);
    }

    /** The user key a lock key shows the lock of. */
    public static byte[] userKey(byte[] lockKey) {
        return Arrays.copyOfRange(lockKey, PREFIX_BYTES.length, lockKey.length);
    }
}
