package io.dkv.gateway.watch.internals;

import io.dkv.gateway.watch.WatchEvent;
import io.vertx.core.Context;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One watch: its scope, a bounded queue of what it still has to deliver, and the sink (an SSE
 * response or a WebSocket) that delivers it on the watch's Vert.x context.
 *
 * <p>The {@link ChangeFeed} thread offers batches; until {@link #goLive} they are buffered (the
 * watch is still sending its snapshot or history). A watch whose queue overflows is cancelled with
 * {@code slow-consumer} and the revision to resume from; it never slows the feed or other watches.
 * Thread-safe: state is guarded by the watch's monitor. An idle watch holds no queue, so tens of
 * thousands of them stay small.
 */
public final class Watch {
    /** Where a watch's messages go; called only on the watch's context. */
    public interface Sink {
        void events(List<WatchEvent> batch);

        void progress(long revision);

        void cancelled(String reason, long resumeRevision);

        boolean writeQueueFull();

        void drainHandler(Runnable onDrain);
    }

    /** A queued progress report; every other queued element is a batch of events. */
    private record Progress(long revision) {
    }

    private final WatchScope scope;
    private final Context context;
    private final Sink sink;
    private final int maxQueued;
    private ArrayDeque<Object> pending;
    private List<List<WatchEvent>> buffered;
    private int bufferedEvents;
    private boolean live;
    private boolean drainScheduled;
    private volatile boolean closed;
    private volatile long startRevision;
    private volatile long deliveredRevision;
    private Runnable onClose;

    public Watch(WatchScope scope, Context context, Sink sink, int maxQueued) {
        this.scope = scope;
        this.context = context;
        this.sink = sink;
        this.maxQueued = maxQueued;
    }

    public WatchScope scope() {
        return scope;
    }

    synchronized void onClose(Runnable onClose) {
        this.onClose = onClose;
    }

    /** Feed thread: a batch of events (one revision) in this watch's scope. */
    void offer(List<WatchEvent> batch) {
        boolean overflow;
        synchronized (this) {
            // After going live at R, a batch at or below R is already in what the client got first.
            if (closed || (live && batch.get(0).revision() <= startRevision)) {
                return;
            }
            if (!live) {
                if (buffered == null) {
                    buffered = new ArrayList<>();
                }
                buffered.add(batch);
                bufferedEvents += batch.size();
                overflow = bufferedEvents > maxQueued;
            } else {
                overflow = !enqueue(batch);
            }
        }
        if (overflow) {
            overflow();
        }
    }

    /** Feed thread: every change of the store up to {@code revision} has been offered. */
    void progress(long revision) {
        boolean overflow = false;
        synchronized (this) {
            if (live && !closed) {
                overflow = !enqueue(new Progress(Math.max(revision, startRevision)));
            }
        }
        if (overflow) {
            overflow();
        }
    }

    /**
     * Context: the snapshot or history up to {@code revision} has been sent; delivers the buffered
     * batches after it, then everything the feed offers.
     *
     * @return the buffered batches at or before {@code revision} (which the caller folds into its snapshot)
     */
    public List<List<WatchEvent>> goLive(long revision) {
        List<List<WatchEvent>> before = new ArrayList<>();
        boolean overflow = false;
        synchronized (this) {
            startRevision = revision;
            deliveredRevision = Math.max(deliveredRevision, revision);
            if (buffered != null) {
                for (List<WatchEvent> batch : buffered) {
                    if (batch.get(0).revision() <= revision) {
                        before.add(batch);
                    } else if (!enqueue(batch)) {
                        overflow = true;
                        break;
                    }
                }
            }
            buffered = null;
            live = true;
        }
        if (overflow) {
            overflow();
        }
        return before;
    }

    /** The newest revision through which the client has received everything. */
    public long deliveredRevision() {
        return deliveredRevision;
    }

    /** Queues a message and schedules delivery; false if the queue is full. Holds the monitor. */
    private boolean enqueue(Object message) {
        if (pending == null) {
            pending = new ArrayDeque<>(4);
        }
        if (pending.size() >= maxQueued) {
            return false;
        }
        pending.add(message);
        if (!drainScheduled) {
            drainScheduled = true;
            context.runOnContext(v -> drain());
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private void drain() {
        while (!closed && !sink.writeQueueFull()) {
            Object message;
            synchronized (this) {
                message = pending == null ? null : pending.poll();
                if (message == null) {
                    drainScheduled = false;
                    pending = null;
                    return;
                }
            }
            if (message instanceof Progress progress) {
                if (progress.revision() >= deliveredRevision) {
                    deliveredRevision = progress.revision();
                    sink.progress(progress.revision());
                }
            } else {
                List<WatchEvent> batch = (List<WatchEvent>) message;
                sink.events(batch);
                deliveredRevision = Math.max(deliveredRevision, batch.get(0).revision());
            }
        }
        if (!closed) {
            sink.drainHandler(this::drain);
        }
    }

    private void overflow() {
        cancel("slow-consumer");
    }

    /** Ends the watch from the server side: the client gets {@code cancelled} with the reason and its resume revision. */
    void cancel(String reason) {
        closed = true;
        context.runOnContext(v -> sink.cancelled(reason, deliveredRevision));
        runOnClose();
    }

    /** Stops delivery and releases the watch's place in the feed. Idempotent. */
    public void close() {
        if (!closed) {
            closed = true;
            synchronized (this) {
                pending = null;
            }
            runOnClose();
        }
    }

    private void runOnClose() {
        Runnable action;
        synchronized (this) {
            action = onClose;
            onClose = null;
        }
        if (action != null) {
            action.run();
        }
    }
}
