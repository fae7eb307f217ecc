package io.dkv.client.internals;

import io.dkv.client.DkvException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** The blocking form of an async call: waits, and throws what the future failed with as it is. */
public final class Blocking {
    private Blocking() {
    }

    public static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            throw new DkvException("INTERRUPTED", 0, "interrupted while waiting for DKV", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new DkvException("INTERNAL", 0, String.valueOf(cause), cause);
        }
    }
}
