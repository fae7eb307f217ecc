package io.dkv.client.internals;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.dkv.client.kv.Entry;
import io.dkv.client.watch.WatchEvent;
import io.dkv.client.watch.WatchListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-memory copy of a cache's entries, kept fresh by a watch of its prefix (this is the watch's
 * listener). A change the watch sees replaces or drops the key's entry and is remembered for a while
 * as the key's newest change; a value read from DKV is installed only if its modification revision is
 * at least that (checked and installed atomically per key, so an invalidation racing a read wins).
 * While the watch is disconnected the copy is empty and bypassed; reads begun before a disconnect do
 * not install. Thread-safe.
 */
final class NearCache<V> implements WatchListener<V> {
    /** How long a key's newest change is remembered: longer than any read may be in flight. */
    private static final Duration CHANGE_MEMORY = Duration.ofMinutes(2);

    private record Stamped<V>(V value, long modRevision) {
    }

    /** A read from DKV in flight, which may install its value when it completes. */
    record Read(long epoch, long startedAt) {
    }

    private final Cache<String, Stamped<V>> entries;
    private final Cache<String, Long> newestChange;
    private final LongAdder invalidations = new LongAdder();
    private volatile boolean live;
    private volatile long epoch;

    NearCache(long maxEntries) {
        this.entries = Caffeine.newBuilder().maximumSize(maxEntries).build();
        this.newestChange = Caffeine.newBuilder().expireAfterWrite(CHANGE_MEMORY).build();
    }

    /** The watch started: the copy may be used. */
    void started() {
        live = true;
    }

    /** The cached value, or null when there is none or the copy cannot be trusted now. */
    V get(String key) {
        if (!live) {
            return null;
        }
        Stamped<V> stamped = entries.getIfPresent(key);
        return stamped == null ? null : stamped.value();
    }

    Read beginRead() {
        return new Read(epoch, System.nanoTime());
    }

    /** Keeps {@code value} read at {@code modRevision} by {@code read}, unless the watch has seen something newer. */
    void install(String key, V value, long modRevision, Read read) {
        if (!live || read.epoch() != epoch || System.nanoTime() - read.startedAt() > CHANGE_MEMORY.toNanos() / 2) {
            return;
        }
        entries.asMap().compute(key, (k, current) -> {
            Long newest = newestChange.getIfPresent(k);
            if (newest != null && newest > modRevision || read.epoch() != epoch) {
                return current;
            }
            return current != null && current.modRevision() > modRevision ? current : new Stamped<>(value, modRevision);
        });
    }

    void invalidate(String key) {
        entries.invalidate(key);
    }

    long invalidations() {
        return invalidations.sum();
    }

    @Override
    public void onEvent(WatchEvent<V> event) {
        String key = event.key();
        newestChange.asMap().merge(key, event.revision(), Math::max);
        entries.asMap().computeIfPresent(key, (k, current) -> {
            invalidations.increment();
            return event.type() == WatchEvent.Type.PUT && event.revision() >= current.modRevision()
                    ? new Stamped<>(event.value(), event.revision()) : null;
        });
    }

    @Override
    public void onDisconnected() {
        distrust();
    }

    @Override
    public void onResumed(long revision) {
        live = true;
    }

    @Override
    public void onResnapshot(List<Entry<V>> snapshot, long revision) {
        epoch++;
        entries.invalidateAll();
    }

    @Override
    public void onEnd(String reason) {
        distrust();
    }

    private void distrust() {
        live = false;
        epoch++;
        entries.invalidateAll();
    }
}
