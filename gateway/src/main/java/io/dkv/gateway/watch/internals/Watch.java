package io.dkv.gateway.watch.internals;

import io.dkv.gateway.watch.WatchEvent;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One watch: its scope, a bounded queue of what it still has to deliver, and the sink (an SSE
 * response or a WebSocket) that delivers it on the watch's Vert.x context.
 *
 * <p>The {@link ChangeFeed} thread offers batches; until {@link #goLive} they are buffered (the
 * watch is still sending its snapshot or history). A watch whose queue overflows is cancelled with
 * {@code slow-consumer} and the revision to resume from; it never slows the feed or other watches.
 * Thread-safe.
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

    private sealed interface Message permits Events, Progress {
    }

    private record Events(List<WatchEvent> batch) implements Message {
    }

    private record Progress(long revision) implements Message {
    }

    private final WatchScope scope;
    private final Context context;
    private final Sink sink;
    private final int maxQueued;
    private final Object lock = new Object();
    private final Queue<Message> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private List<List<WatchEvent>> buffered = new ArrayList<>();
    private int bufferedEvents;
    private volatile boolean live;
    private volatile boolean closed;
    private volatile long startRevision;
    private volatile long deliveredRevision;
    private Runnable onClose = () -> { };

    public Watch(WatchScope scope, Context context, Sink sink, int maxQueued) {
        this.scope = scope;
        this.context = context;
        this.sink = sink;
        this.maxQueued = maxQueued;
    }

    public WatchScope scope() {
        return scope;
    }

    void onClose(Runnable onClose) {
        this.onClose = onClose;
    }

    /** Feed thread: a batch of events (one revision) in this watch's scope. */
    void offer(List<WatchEvent> batch) {
        synchronized (lock) {
            // After going live at R, a batch at or below R is already in what the client got first.
            if (closed || (live && batch.get(0).revision() <= startRevision)) {
                return;
            }
            if (!live) {
                buffered.add(batch);
                bufferedEvents += batch.size();
                if (bufferedEvents > maxQueued) {
                    overflow();
                }
                return;
            }
        }
        enqueue(new Events(batch));
    }

    /** Feed thread: every change of the store up to {@code revision} has been offered. */
    void progress(long revision) {
        if (live && !closed) {
            enqueue(new Progress(Math.max(revision, startRevision)));
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
        synchronized (lock) {
            startRevision = revision;
            deliveredRevision = Math.max(deliveredRevision, revision);
            for (List<WatchEvent> batch : buffered) {
                if (batch.get(0).revision() > revision) {
                    enqueue(new Events(batch));
                } else {
                    before.add(batch);
                }
            }
            buffered = null;
            live = true;
        }
        return before;
    }

    /** The newest revision through which the client has received everything. */
    public long deliveredRevision() {
        return deliveredRevision;
    }

    private void enqueue(Message message) {
        if (queued.incrementAndGet() > maxQueued) {
            overflow();
            return;
        }
        pending.add(message);
        if (drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
    }

    private void drain() {
        drainScheduled.set(false);
        Message message;
        while (!closed && !sink.writeQueueFull() && (message = pending.poll()) != null) {
            queued.decrementAndGet();
            if (message instanceof Events events) {
                sink.events(events.batch());
                deliveredRevision = Math.max(deliveredRevision, events.batch().get(0).revision());
            } else if (message instanceof Progress progress && progress.revision() >= deliveredRevision) {
                deliveredRevision = progress.revision();
                sink.progress(progress.revision());
            }
        }
        if (!closed && !pending.isEmpty()) {
            sink.drainHandler(() -> {
                if (drainScheduled.compareAndSet(false, true)) {
                    drain();
                }
            });
        }
    }

    private void overflow() {
        closed = true;
        context.runOnContext(v -> sink.cancelled("slow-consumer", deliveredRevision));
        onClose.run();
    }

    /** Stops delivery and releases the watch's place in the feed. Idempotent. */
    public void close() {
        if (!closed) {
            closed = true;
            pending.clear();
            onClose.run();
        }
    }

    public boolean isClosed() {
        return closed;
    }
}
