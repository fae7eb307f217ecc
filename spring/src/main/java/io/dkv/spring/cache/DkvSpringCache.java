package io.dkv.spring.cache;

import io.dkv.client.cache.DkvCache;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.springframework.cache.support.AbstractValueAdaptingCache;

/**
 * A Spring {@link org.springframework.cache.Cache} on a {@link DkvCache}. Keys are their
 * {@code toString()} (Spring's {@code SimpleKey} included). {@link #get(Object, Callable)} (what
 * {@code @Cacheable(sync = true)} calls) runs the loader once per key across every application
 * instance; the {@code retrieve} methods make {@code @Cacheable} on methods returning
 * {@code CompletableFuture} work without blocking. Thread-safe.
 */
public final class DkvSpringCache extends AbstractValueAdaptingCache {
    private final String name;
    private final DkvCache<Object> cache;
    private final DkvCacheConfiguration configuration;

    DkvSpringCache(String name, DkvCache<Object> cache, DkvCacheConfiguration configuration) {
        super(configuration.cacheNullValues());
        this.name = name;
        this.cache = cache;
        this.configuration = configuration;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public DkvCache<Object> getNativeCache() {
        return cache;
    }

    public DkvCacheConfiguration getConfiguration() {
        return configuration;
    }

    @Override
    protected Object lookup(Object key) {
        return cache.get(key(key)).orElse(null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Object key, Callable<T> valueLoader) {
        try {
            return (T) fromStoreValue(cache.getOrLoad(key(key), () -> {
                try {
                    return storable(valueLoader.call());
                } catch (Exception e) {
                    throw new LoaderFailed(e);
                }
            }, configuration.ttl()));
        } catch (LoaderFailed e) {
            throw new ValueRetrievalException(key, valueLoader, e.getCause());
        }
    }

    /** Carries what the caller's loader threw through the cache's futures, to become a ValueRetrievalException. */
    private static final class LoaderFailed extends RuntimeException {
        LoaderFailed(Exception cause) {
            super(cause);
        }
    }

    @Override
    public CompletableFuture<?> retrieve(Object key) {
        return cache.getAsync(key(key)).thenApply(found -> found.map(v -> isAllowNullValues() ? toValueWrapper(v) : fromStoreValue(v)).orElse(null));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
        return cache.getOrLoadAsync(key(key), () -> storable(valueLoader.get().join()), configuration.ttl())
                .thenApply(v -> (T) fromStoreValue(v));
    }

    @Override
    public void put(Object key, Object value) {
        Object stored = storable(value);
        if (stored == null) {
            evict(key);
            return;
        }
        cache.put(key(key), stored, configuration.ttl());
    }

    @Override
    public void evict(Object key) {
        cache.evict(key(key));
    }

    @Override
    public void clear() {
        cache.clear();
    }

    /** The value as stored: null values as Spring's NullValue when allowed, else null (not stored). */
    private Object storable(Object value) {
        return value == null && !isAllowNullValues() ? null : toStoreValue(value);
    }

    private static String key(Object key) {
        return String.valueOf(key);
    }
}
