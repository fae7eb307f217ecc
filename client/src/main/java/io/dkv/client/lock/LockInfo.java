package io.dkv.client.lock;

/**
 * Who holds a key's lock, as anyone may see it (never the handle).
 *
 * @param fencingToken the holder's token, 0 when not locked
 * @param expiresAtMs when the holder's lock ends unless refreshed (epoch ms), 0 when not locked
 * @param waiters how many acquirers wait in the queue
 */
public record LockInfo(boolean locked, long fencingToken, long expiresAtMs, long ttlMs, long lease, long waiters) {
}
