package io.dkv.client.internals;

import io.dkv.client.DkvException;
import io.dkv.client.cache.CacheOptions;
import io.dkv.client.cache.CacheStats;
import io.dkv.client.cache.DkvCache;
import io.dkv.client.kv.Entry;
import io.dkv.client.kv.Kv;
import io.dkv.client.kv.KvResult;
import io.dkv.client.kv.KvStatus;
import io.dkv.client.kv.Put;
import io.dkv.client.lock.LockHandle;
import io.dkv.client.lock.Locks;
import io.dkv.client.watch.Subscription;
import io.dkv.client.watch.WatchOptions;
import io.dkv.client.watch.Watches;
import io.dkv.client.lease.Leases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link DkvCache} on a key prefix: entries are ordinary keys (with TTLs through {@link LeaseBuckets}),
 * loads are single-flight in the JVM and across the cluster through a lock on {@code <key>/~load},
 * and the optional {@link NearCache} follows a watch of the prefix. Thread-safe.
 */
public final class HttpCache<V> implements DkvCache<V> {
    static final String LOAD_LOCK_SUFFIX = "/~load";

    private final Kv<V> kv;
    private final Locks locks;
    private final String prefix;
    private final CacheOptions options;
    private final Executor loaders;
    private final LeaseBuckets leases;
    private final NearCache<V> near;
    private final Subscription watch;
    private final ConcurrentHashMap<String, CompletableFuture<V>> loading = new ConcurrentHashMap<>();
    private final LongAdder nearHits = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder loads = new LongAdder();

    /** Opens the cache; with a near cache, once its watch has started. */
    public HttpCache(Kv<V> kv, Watches<V> watches, Leases leases, Locks locks, String prefix, CacheOptions options, Executor loaders) {
        this.kv = kv;
        this.locks = locks;
        this.prefix = prefix;
        this.options = options;
        this.loaders = loaders;
        this.leases = new LeaseBuckets(leases);
        if (options.nearCacheEntries() > 0) {
            this.near = new NearCache<>(options.nearCacheEntries());
            this.watch = watches.watchPrefix(prefix, WatchOptions.fromNow(), near).subscription();
            near.started();
        } else {
            this.near = null;
            this.watch = null;
        }
    }

    @Override
    public String prefix() {
        return prefix;
    }

    @Override
    public CompletableFuture<Optional<V>> getAsync(String key) {
        String full = prefix + key;
        if (near != null) {
            V cached = near.get(full);
            if (cached != null) {
                nearHits.increment();
                return CompletableFuture.completedFuture(Optional.of(cached));
            }
        }
        NearCache.Read read = near == null ? null : near.beginRead();
        return kv.getAsync(full).thenApply(result -> {
            if (result.status() != KvStatus.OK) {
                misses.increment();
                return Optional.empty();
            }
            hits.increment();
            keep(full, result.entry(), read);
            return Optional.of(result.value());
        });
    }

    private void keep(String full, Entry<V> entry, NearCache.Read read) {
        if (near != null && entry != null && entry.value() != null) {
            near.install(full, entry.value(), entry.modRevision(), read);
        }
    }

    @Override
    public CompletableFuture<V> getOrLoadAsync(String key, Callable<V> loader, Duration ttl) {
        return getAsync(key).thenCompose(found -> {
            if (found.isPresent()) {
                return CompletableFuture.completedFuture(found.get());
            }
            String full = prefix + key;
            CompletableFuture<V> mine = new CompletableFuture<>();
            CompletableFuture<V> running = loading.putIfAbsent(full, mine);
            if (running != null) {
                return running;
            }
            loadUnderLock(full, loader, ttl).whenComplete((value, error) -> {
                loading.remove(full, mine);
                if (error != null) {
                    mine.completeExceptionally(error instanceof CompletionException ? error.getCause() : error);
                } else {
                    mine.complete(value);
                }
            });
            return mine;
        });
    }

    /** Takes the key's load lock (or gives up waiting for it), then loads unless someone else has meanwhile. */
    private CompletableFuture<V> loadUnderLock(String full, Callable<V> loader, Duration ttl) {
        NearCache.Read read = near == null ? null : near.beginRead();
        return locks.acquireAsync(full + LOAD_LOCK_SUFFIX, options.loadTimeout(), options.loadTimeout())
                .thenCompose(lock -> kv.getAsync(full).thenCompose(current -> {
                    if (current.status() == KvStatus.OK) {
                        hits.increment();
                        keep(full, current.entry(), read);
                        return CompletableFuture.completedFuture(current.value());
                    }
                    return load(full, loader, ttl, read);
                }).whenComplete((v, e) -> lock.ifPresent(LockHandle::releaseAsync)));
    }

    private CompletableFuture<V> load(String full, Callable<V> loader, Duration ttl, NearCache.Read read) {
        return CompletableFuture.supplyAsync(() -> {
            loads.increment();
            try {
                return loader.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, loaders).thenCompose(value -> {
            if (value == null) {
                return CompletableFuture.completedFuture(null);
            }
            return write(full, value, ttl, Put.ifAbsent()).thenCompose(written -> {
                if (written.status() == KvStatus.OK) {
                    keep(full, written.entry(), read);
                    return CompletableFuture.completedFuture(value);
                }
                // Another client wrote the key while this one loaded: its value is the cache's.
                return kv.getAsync(full).thenApply(now -> now.status() == KvStatus.OK ? now.value() : value);
            });
        });
    }

    private CompletableFuture<KvResult<V>> write(String full, V value, Duration ttl, Put... conditions) {
        Duration effective = ttl != null ? ttl : options.defaultTtl();
        if (effective == null) {
            return kv.putAsync(full, value, conditions);
        }
        return leases.leaseFor(effective).thenCompose(lease -> {
            Put[] all = java.util.Arrays.copyOf(conditions, conditions.length + 1);
            all[conditions.length] = Put.withLease(lease);
            return kv.putAsync(full, value, all);
        });
    }

    @Override
    public CompletableFuture<Void> putAsync(String key, V value, Duration ttl) {
        String full = prefix + key;
        NearCache.Read read = near == null ? null : near.beginRead();
        return write(full, value, ttl).thenAccept(result -> {
            if (result.status() != KvStatus.OK) {
                throw new DkvException(result.status().name(), 0, "cache put of " + full + " answered " + result.status(), null);
            }
            keep(full, result.entry(), read);
        });
    }

    @Override
    public CompletableFuture<Void> evictAsync(String key) {
        String full = prefix + key;
        if (near != null) {
            near.invalidate(full);
        }
        return kv.deleteAsync(full).thenAccept(result -> {
            if (near != null) {
                near.invalidate(full);
            }
        });
    }

    @Override
    public CompletableFuture<Void> clearAsync() {
        return CompletableFuture.runAsync(() -> {
            List<CompletableFuture<?>> deletes = new ArrayList<>();
            for (Entry<V> entry : kv.list(prefix)) {
                deletes.add(kv.deleteAsync(entry.key()));
            }
            CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).join();
        }, loaders);
    }

    @Override
    public CacheStats stats() {
        return new CacheStats(nearHits.sum(), hits.sum(), misses.sum(), loads.sum(), near == null ? 0 : near.invalidations());
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.stop();
        }
    }
}
