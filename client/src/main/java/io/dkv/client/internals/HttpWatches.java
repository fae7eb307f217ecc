package io.dkv.client.internals;

import io.dkv.client.Codec;
import io.dkv.client.watch.WatchListener;
import io.dkv.client.watch.WatchOptions;
import io.dkv.client.watch.WatchStart;
import io.dkv.client.watch.Watches;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** {@link Watches} as {@link ResumableWatch}es over the client's shared sockets. Thread-safe. */
public final class HttpWatches<T> implements Watches<T> {
    private final WatchSockets sockets;
    private final Codec<T> codec;

    public HttpWatches(WatchSockets sockets, Codec<T> codec) {
        this.sockets = sockets;
        this.codec = codec;
    }

    @Override
    public CompletableFuture<WatchStart<T>> watchKeyAsync(String key, WatchOptions options, WatchListener<T> listener) {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("a key is at least one byte; watch the empty prefix for the whole store");
        }
        return new ResumableWatch<>(sockets, codec, key.getBytes(StandardCharsets.UTF_8), false, options, listener).start();
    }

    @Override
    public CompletableFuture<WatchStart<T>> watchPrefixAsync(String prefix, WatchOptions options, WatchListener<T> listener) {
        return new ResumableWatch<>(sockets, codec, prefix.getBytes(StandardCharsets.UTF_8), true, options, listener).start();
    }
}
