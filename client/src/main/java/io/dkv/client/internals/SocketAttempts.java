package io.dkv.client.internals;

import io.dkv.client.DkvException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * What a stream over the watch sockets that restarts itself has in common: its current attempt (an
 * id and the socket it runs on), the pause before the next attempt (the client's retry backoff,
 * doubling while attempts fail), the start that fails once the request timeout has passed without an
 * accepted attempt, and the stop that cancels the current attempt. Subclasses synchronize on
 * themselves; {@link #next()} and {@link #retryLater} are called holding that lock.
 *
 * @param <S> what the start completes with
 */
abstract class SocketAttempts<S> implements WatchSocket.Handler {
    protected final Transport transport;
    protected final CompletableFuture<S> started = new CompletableFuture<>();
    private final long startDeadline;
    protected String attemptId;
    protected WatchSocket socket;
    protected boolean stopped;
    private int failuresInARow;

    SocketAttempts(Transport transport) {
        this.transport = transport;
        this.startDeadline = System.nanoTime() + transport.settings().requestTimeout().toNanos();
    }

    /** Starts the next attempt (a new {@link #attemptId}). */
    protected abstract void next();

    /** What the stream is, for errors: "the watch". */
    protected abstract String what();

    /** An attempt worked: the next failure pauses the shortest time again. */
    protected final void succeeded() {
        failuresInARow = 0;
    }

    /**
     * The current attempt failed with {@code error} (null: its socket went): before the start, a
     * refusal or a passed deadline fails the start; otherwise the next attempt follows after a pause.
     */
    protected final void retryLater(Throwable error) {
        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
        if (!started.isDone() && (System.nanoTime() - startDeadline > 0 || cause instanceof DkvException.Rejected)) {
            stopped = true;
            started.completeExceptionally(cause != null ? cause
                    : new DkvException.Unavailable("UNREACHABLE", 0, "no gateway accepted " + what() + " in time", null));
            return;
        }
        ClientSettings settings = transport.settings();
        long pause = Math.min(settings.retryBackoff().toNanos() << Math.min(failuresInARow++, 6), settings.maxRetryBackoff().toNanos());
        String id = attemptId;
        transport.scheduler().schedule(() -> {
            synchronized (this) {
                if (!stopped && id.equals(attemptId)) {
                    next();
                }
            }
        }, pause, TimeUnit.NANOSECONDS);
    }

    /** Stops for good and cancels the current attempt on its socket. */
    protected final void stopAttempts() {
        WatchSocket current;
        String id;
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            current = socket;
            id = attemptId;
        }
        if (current != null && !current.isClosed()) {
            current.unregister(id);
            current.send(Json.object().put("type", "cancel").put("id", id));
        }
    }
}
