package io.dkv.client.watch;

import io.dkv.client.internals.Blocking;
import java.util.concurrent.CompletableFuture;

/**
 * Watches of one store. Every watch of a client rides one WebSocket per gateway. A watch started
 * without a snapshot or revision starts at the store's revision when DKV accepted it.
 *
 * <p>Thread-safe. The futures fail with {@link io.dkv.client.DkvException} when no gateway accepts the
 * watch within the client's request timeout, or DKV refuses it (a key too large, a store that does not
 * exist).
 */
public interface Watches<T> {

    CompletableFuture<WatchStart<T>> watchKeyAsync(String key, WatchOptions options, WatchListener<T> listener);

    /** Every key starting with {@code prefix}; the empty prefix watches the whole store. */
    CompletableFuture<WatchStart<T>> watchPrefixAsync(String prefix, WatchOptions options, WatchListener<T> listener);

    default WatchStart<T> watchKey(String key, WatchOptions options, WatchListener<T> listener) {
        return Blocking.call(() -> watchKeyAsync(key, options, listener));
    }

    default WatchStart<T> watchPrefix(String prefix, WatchOptions options, WatchListener<T> listener) {
        return Blocking.call(() -> watchPrefixAsync(prefix, options, listener));
    }
}
