package io.dkv.client.cache;

import io.dkv.client.internals.Blocking;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A distributed cache on the keys under one prefix of a store, shared by every client that opens it.
 *
 * <p><b>Expiry.</b> An entry put with a TTL is attached to a lease, so DKV deletes it when the TTL runs
 * out, on every client at once. Entries share leases: those put within a tenth of a TTL of each
 * other share one, so an entry lives between 90 % and 100 % of its TTL. TTLs are bounded by the
 * server's lease bounds ({@code --lease-min-ttl-ms}, 2 s by default).
 *
 * <p><b>Loading.</b> {@link #getOrLoad} calls the loader at most once per key at a time across the
 * cluster: the first client to miss takes the key's load lock, the others wait for its value. The
 * loaded value is written only if the key is still absent, so a value another client wrote meanwhile
 * wins.
 *
 * <p><b>Near cache.</b> With {@link CacheOptions#withNearCache} reads are served from memory after the
 * first. A watch of the prefix drops an entry when its key changes anywhere, so a near entry is stale
 * for at most the watch's delay after another client's write. A value read or loaded is kept only if
 * its modification revision is at least the newest change the watch has seen for that key, so an
 * invalidation that arrives while the read is in flight wins. While the watch is disconnected, the
 * near cache is emptied and bypassed until the watch has resumed.
 *
 * <p>Thread-safe. Null values are not cached (a loader returning null yields null and stores nothing).
 */
public interface DkvCache<V> extends AutoCloseable {

    /** The value cached for {@code key}, from the near cache or DKV. */
    CompletableFuture<Optional<V>> getAsync(String key);

    /**
     * The cached value, or the loader's value, which is cached for {@code ttl} (null: the default TTL).
     * The loader runs on one of the client's threads.
     */
    CompletableFuture<V> getOrLoadAsync(String key, Callable<V> loader, Duration ttl);

    /** Caches {@code value} for {@code ttl} (null: the default TTL), replacing what was there. */
    CompletableFuture<Void> putAsync(String key, V value, Duration ttl);

    /** Removes the entry everywhere. */
    CompletableFuture<Void> evictAsync(String key);

    /** Removes every entry under the cache's prefix. */
    CompletableFuture<Void> clearAsync();

    CacheStats stats();

    /** The key prefix in the store. */
    String prefix();

    default Optional<V> get(String key) {
        return Blocking.call(() -> getAsync(key));
    }

    default V getOrLoad(String key, Callable<V> loader, Duration ttl) {
        return Blocking.call(() -> getOrLoadAsync(key, loader, ttl));
    }

    default void put(String key, V value, Duration ttl) {
        Blocking.call(() -> putAsync(key, value, ttl));
    }

    default void evict(String key) {
        Blocking.call(() -> evictAsync(key));
    }

    default void clear() {
        Blocking.call(() -> clearAsync());
    }

    /** Stops the near cache's watch. */
    @Override
    void close();
}
