package io.dkv.client.cache;

import java.time.Duration;

/**
 * How a {@link DkvCache} behaves. Immutable; {@code CacheOptions.defaults().withNearCache(10_000)}.
 *
 * @param defaultTtl the TTL of entries put without one; null for entries that live until evicted
 * @param nearCacheEntries the near cache's size in entries; 0 for none
 * @param loadTimeout how long one loader may run while it holds the key's load lock, and how long
 *     others wait for it before loading themselves
 */
public record CacheOptions(Duration defaultTtl, long nearCacheEntries, Duration loadTimeout) {

    public static CacheOptions defaults() {
        return new CacheOptions(null, 0, Duration.ofSeconds(30));
    }

    public CacheOptions withDefaultTtl(Duration ttl) {
        return new CacheOptions(ttl, nearCacheEntries, loadTimeout);
    }

    /** Serve repeated reads from memory, kept fresh by a watch of the cache's prefix. */
    public CacheOptions withNearCache(long maxEntries) {
        return new CacheOptions(defaultTtl, maxEntries, loadTimeout);
    }

    public CacheOptions withLoadTimeout(Duration timeout) {
        return new CacheOptions(defaultTtl, nearCacheEntries, timeout);
    }
}
