package io.dkv.gateway.watch.internals;

import io.dkv.gateway.internals.CommandBus;
import io.dkv.gateway.internals.StateReader;
import io.dkv.gateway.internals.Commands;
import io.dkv.gateway.watch.WatchEvent;
import io.dkv.gateway.watch.WatchRequest;
import io.dkv.schemas.KeyValue;
import io.dkv.schemas.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Starts a watch so that what the client gets first and what follows fit together with no gap
 * and no duplicate, whatever the transport:
 * <ol>
 *   <li>the store must exist (a SYNC through the log says so);
 *   <li>the watch joins the {@link ChangeFeed} index first and buffers what it is offered;
 *   <li>then, by request: the snapshot (read from the owner's state after joining, then brought
 *       to exactly revision R by folding in the buffered changes up to R), or the history after the
 *       client's revision (from the change topic up to the offset where the feed took over), or
 *       just the current revision (a SYNC after joining);
 *   <li>then the watch goes live from that revision: buffered changes after it, then the feed's.
 * </ol>
 * Every state read after joining already contains every change the feed passed before the watch
 * joined (those are committed), so each change reaches the client exactly once. Thread-safe.
 */
public final class WatchStarter {
    private final Vertx vertx;
    private final CommandBus bus;
    private final StateReader reader;
    private final ChangeFeed feed;
    private final HistoryReader history;
    private final Duration timeout;
    private final int queueLimit;

    public WatchStarter(Vertx vertx, CommandBus bus, StateReader reader, ChangeFeed feed, HistoryReader history,
            Duration timeout, int queueLimit) {
        this.vertx = vertx;
        this.bus = bus;
        this.reader = reader;
        this.feed = feed;
        this.history = history;
        this.timeout = timeout;
        this.queueLimit = queueLimit;
    }

    /** A watch being started; {@code ready} fails (and the watch is closed) if it cannot start. */
    public record Started(Watch watch, Future<Void> ready) {
    }

    /**
     * Call on the Vert.x context that owns the sink.
     *
     * @param partition the store's partition, active on this instance; needed when a snapshot is asked for
     */
    public Started start(WatchRequest request, WatchSink sink, int partition) {
        Watch watch = new Watch(request.scope(), vertx.getOrCreateContext(), sink, queueLimit);
        String store = request.scope().store();
        Future<Long> joined = sync(store).compose(exists -> Future.fromCompletionStage(feed.register(watch), vertx.getOrCreateContext()));
        Future<Void> ready;
        if (request.snapshot()) {
            ready = joined.compose(position -> withSnapshot(watch, sink, partition));
        } else if (request.after() != null) {
            ready = joined.compose(position -> fromHistory(watch, sink, request.after(), position));
        } else {
            ready = joined.compose(position -> fromNow(watch, sink));
        }
        return new Started(watch, ready.onFailure(e -> watch.close()));
    }

    private Future<Void> fromNow(Watch watch, WatchSink sink) {
        return sync(watch.scope().store()).map(reply -> {
            sink.open();
            watch.goLive(reply.getRevision());
            sink.progress(reply.getRevision());
            return null;
        });
    }

    private Future<Void> fromHistory(Watch watch, WatchSink sink, long after, long position) {
        return vertx.executeBlocking(() -> history.read(watch.scope().store(), after, position), false).map(result -> {
            sink.open();
            if (result instanceof HistoryReader.Compacted compacted) {
                watch.close();
                sink.compacted(compacted.oldestRevision());
                sink.end();
                return null;
            }
            HistoryReader.History replay = (HistoryReader.History) result;
            watch.goLive(replay.lastRevision());
            for (List<WatchEvent> batch : replay.batches()) {
                List<WatchEvent> inScope = batch.stream().filter(e -> watch.scope().matches(e.key())).toList();
                if (!inScope.isEmpty()) {
                    sink.events(inScope);
                }
            }
            return null;
        });
    }

    private Future<Void> withSnapshot(Watch watch, WatchSink sink, int partition) {
        WatchScope scope = watch.scope();
        String store = scope.store();
        return reader.read(store, partition, 0, view -> scope.prefix()
                        ? view.list(scope.key(), null, Integer.MAX_VALUE).entries()
                        : single(scope.key(), view.get(scope.key())))
                // R has committed; once the feed has read to the topic's end, every change up to R
                // that the scan may have missed is in the watch's buffer.
                .compose(snap -> Future.fromCompletionStage(feed.catchUp(store), vertx.getOrCreateContext()).map(v -> snap))
                .map(snap -> {
                    TreeMap<byte[], KeyValue> state = new TreeMap<>(Arrays::compareUnsigned);
                    snap.value().forEach(e -> state.put(e.key(), e.entry()));
                    // Changes the scan may or may not have seen: the last one of each key up to R wins.
                    for (List<WatchEvent> batch : watch.goLive(snap.revision())) {
                        for (WatchEvent event : batch) {
                            if (!scope.matches(event.key())) {
                                continue;
                            }
                            if (event.type() == WatchEvent.Type.PUT) {
                                state.put(event.key(), KeyValue.newBuilder().setValue(ByteBuffer.wrap(event.value()))
                                        .setCreateRevision(event.createRevision()).setModRevision(event.revision())
                                        .setVersion(event.version()).setLease(event.lease()).build());
                            } else {
                                state.remove(event.key());
                            }
                        }
                    }
                    sink.open();
                    state.forEach(sink::snapshot);
                    sink.snapshotEnd(snap.revision());
                    return null;
                });
    }

    private static List<StateReader.Entry> single(byte[] key, KeyValue entry) {
        return entry == null ? List.of() : List.of(new StateReader.Entry(key, entry));
    }

    private Future<Reply> sync(String store) {
        return Commands.sendChecked(vertx, bus, CommandBus.syncCommand(store), timeout);
    }
}
