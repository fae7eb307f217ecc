package io.dkv.client.internals;

import io.dkv.client.DkvException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** The blocking form of an async call: waits, and throws what the future failed with as it is. */
public final class Blocking {
    private static final ThreadLocal<Boolean> CALLER_WAITS = new ThreadLocal<>();

    private Blocking() {
    }

    /**
     * Starts {@code async} and waits for its result. Its first exchange runs on this thread, which
     * would only wait otherwise ({@link #takeCallerWaits}); later exchanges of the same call go to
     * the client's executor as they would without this.
     */
    public static <T> T call(Supplier<CompletableFuture<T>> async) {
        CALLER_WAITS.set(Boolean.TRUE);
        CompletableFuture<T> future;
        try {
            future = async.get();
        } finally {
            CALLER_WAITS.remove();
        }
        return get(future);
    }

    /** Whether this thread is inside {@link #call} and has not run an exchange yet; true only once. */
    static boolean takeCallerWaits() {
        if (CALLER_WAITS.get() == null) {
            return false;
        }
        CALLER_WAITS.remove();
        return true;
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
