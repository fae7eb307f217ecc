package io.dkv.streams.internals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a stream thread dies: it is replaced, so a passing fault (a broker that did not
 * answer in time) costs one thread start. A fault that comes back each time (a task whose state
 * cannot be restored or rebuilt) would make that a loop: each replacement finds the dead thread's
 * tasks without a checkpoint, wipes them, restores them and fails again, and DKV stays half up,
 * answering 503, for as long as it runs. So after {@code maxFailures} failures within {@code window}
 * the client shuts down instead, and {@link #gaveUp()} completes with the last failure and a
 * message naming the way out. A failure no replacement can get past (Kafka refusing DKV's principal)
 * shuts the client down at once. Thread-safe.
 */
public final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailures.class);

    private final int maxFailures;
    private final long windowNanos;
    private final Path stateDir;
    private final LongSupplier nanoClock;
    private final Function<Throwable, Optional<String>> permanent;
    private final Deque<Long> failures = new ArrayDeque<>();
    private final CompletableFuture<String> gaveUp = new CompletableFuture<>();

    /**
     * @param permanent what to tell the operator about a failure no replacement thread can get past
     *     (Kafka refusing DKV's principal), on which the client shuts down at once; empty for the others
     */
    public StreamThreadFailures(int maxFailures, Duration window, Path stateDir, LongSupplier nanoClock,
            Function<Throwable, Optional<String>> permanent) {
        this.maxFailures = maxFailures;
        this.permanent = permanent;
        this.windowNanos = window.toNanos();
        this.stateDir = stateDir;
        this.nanoClock = nanoClock;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        Optional<String> hopeless = permanent.apply(exception);
        if (hopeless.isPresent()) {
            LOG.error("{}", hopeless.get(), exception);
            gaveUp.complete(hopeless.get());
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        long now = nanoClock.getAsLong();
        failures.addLast(now);
        while (now - failures.peekFirst() > windowNanos) {
            failures.removeFirst();
        }
        if (failures.size() < maxFailures) {
            LOG.error("Stream thread failed ({} of {} failures allowed within {} s); replacing it", failures.size(), maxFailures,
                    windowNanos / 1_000_000_000L, exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        String message = "stream threads failed " + failures.size() + " times within " + windowNanos / 1_000_000_000L
                + " s, the last time with: " + rootMessage(exception) + ". DKV stops rather than stay up without its stores. "
                + wayOut(exception);
        LOG.error("{}", message, exception);
        gaveUp.complete(message);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** Completes, with what to tell the operator, once the threads failed too often to go on. */
    public CompletableFuture<String> gaveUp() {
        return gaveUp;
    }

    private String wayOut(Throwable exception) {
        if (unstableCommittedOffsets(exception)) {
            // Deleting the state would not help: the committed offsets stay unreadable while the broker
            // holds a transaction on them that it neither commits nor aborts.
            return "The committed offsets of the command topic could not be read: under exactly-once the broker answers "
                    + "only once no open transaction holds them. If it persists after a restart, find a transaction that "
                    + "hangs with kafka-transactions.sh --bootstrap-server <kafka> find-hanging --broker-id <id> and end it "
                    + "with kafka-transactions.sh abort; no data in DKV's topics is lost by that.";
        }
        return "If the cluster is reachable and the message names a store or task whose local state cannot be restored, "
                + "stop every DKV using this data directory, delete " + stateDir + " (each store is rebuilt from its Kafka "
                + "topics, which hold all its data) and start again; otherwise fix what the message names first.";
    }

    private static boolean unstableCommittedOffsets(Throwable exception) {
        return causes(exception).stream().anyMatch(t -> t instanceof TimeoutException && t.getMessage() != null
                && t.getMessage().contains("last committed offset"));
    }

    private static String rootMessage(Throwable exception) {
        return causes(exception).stream().map(t -> t.getClass().getSimpleName() + ": " + t.getMessage())
                .collect(Collectors.joining(" <- "));
    }

    /** The exception and its causes, outermost first. */
    private static List<Throwable> causes(Throwable exception) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
