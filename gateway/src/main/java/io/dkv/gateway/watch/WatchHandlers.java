package io.dkv.gateway.watch;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.internals.CommandBus;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.Owners;
import io.dkv.gateway.internals.ReadForwarder;
import io.dkv.gateway.internals.StateReader;
import io.dkv.gateway.kv.Commands;
import io.dkv.gateway.watch.internals.ChangeFeed;
import io.dkv.gateway.watch.internals.HistoryReader;
import io.dkv.gateway.watch.internals.Watch;
import io.dkv.gateway.watch.internals.WatchScope;
import io.dkv.schemas.KeyValue;
import io.dkv.schemas.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * GET /v1/stores/{store}/watch: Server-Sent Events for one key ({@code ?key=}) or a prefix
 * ({@code ?prefix=}). Three ways to start:
 * <ul>
 *   <li>{@code snapshot=true}: the scope's state at revision R as {@code snapshot} messages, one
 *       {@code snapshot-end} carrying R, then every change after R;
 *   <li>{@code fromRevision=r} or the {@code Last-Event-ID} header (the last revision seen): the
 *       history after it from the change topic, then live changes; a {@code compacted} message with
 *       the oldest resumable revision if that history is gone;
 *   <li>neither: a {@code progress} message with the current revision R, then every change after R.
 * </ul>
 * Changes arrive as {@code put} / {@code delete} messages in revision order, each transaction's
 * changes together, the last message of each transaction with its revision as SSE id; idle watches get {@code progress}; a watch
 * that cannot keep up gets {@code cancelled} with reason {@code slow-consumer} and its resume revision.
 */
public final class WatchHandlers {
    private final Vertx vertx;
    private final CommandBus bus;
    private final StateReader reader;
    private final Owners owners;
    private final ReadForwarder forwarder;
    private final ChangeFeed feed;
    private final HistoryReader history;
    private final Duration timeout;
    private final int queueLimit;

    public WatchHandlers(Vertx vertx, CommandBus bus, StateReader reader, Owners owners, ReadForwarder forwarder,
            ChangeFeed feed, HistoryReader history, Duration timeout, int queueLimit) {
        this.vertx = vertx;
        this.bus = bus;
        this.reader = reader;
        this.owners = owners;
        this.forwarder = forwarder;
        this.feed = feed;
        this.history = history;
        this.timeout = timeout;
        this.queueLimit = queueLimit;
    }

    public void sse(RoutingContext ctx) {
        String store = Http.store(ctx);
        WatchScope scope = scope(ctx, store);
        boolean snapshot = Boolean.parseBoolean(ctx.request().getParam("snapshot", "false"));
        Long after = after(ctx);
        if (snapshot && after != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "snapshot=true starts from the current state; it cannot be combined with fromRevision or Last-Event-ID");
        }
        if (ctx.request().getParam("prevValue") != null && Boolean.parseBoolean(ctx.request().getParam("prevValue"))) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "prevValue=true is not supported yet; read the previous value from your own last event");
        }
        Owners.Owner owner = owners.ownerOf(store);
        if (snapshot && owner instanceof Owners.Remote remote) {
            forwarder.forwardStream(ctx, remote.host());
            return;
        }
        if (snapshot && !(owner instanceof Owners.Local)) {
            throw new ApiException(ErrorCode.UNAVAILABLE, "no DKV instance serves store " + store + " right now; retry shortly");
        }
        HttpServerResponse response = ctx.response();
        SseSink sink = new SseSink(response);
        Watch watch = new Watch(scope, vertx.getOrCreateContext(), sink, queueLimit);
        response.closeHandler(v -> watch.close());
        // The store must exist (its change topic too) before the feed reads its topic.
        Future<Long> registered = sync(store).compose(exists ->
                Future.fromCompletionStage(feed.register(watch), vertx.getOrCreateContext()));
        Future<Void> started;
        if (snapshot) {
            int partition = ((Owners.Local) owner).partition();
            started = registered.compose(position -> startWithSnapshot(ctx, watch, sink, partition));
        } else if (after != null) {
            started = registered.compose(position -> startFromHistory(ctx, watch, sink, after, position));
        } else {
            started = registered.compose(position -> startNow(ctx, watch, sink));
        }
        started.onFailure(e -> {
            watch.close();
            if (!response.headWritten()) {
                ctx.fail(e);
            } else {
                sink.cancelled("error: " + e.getMessage(), watch.deliveredRevision());
            }
        });
    }

    private Future<Void> startNow(RoutingContext ctx, Watch watch, SseSink sink) {
        return sync(watch.scope().store()).map(reply -> {
            sink.open(ctx);
            watch.goLive(reply.getRevision());
            sink.progress(reply.getRevision());
            return null;
        });
    }

    private Future<Void> startFromHistory(RoutingContext ctx, Watch watch, SseSink sink, long after, long position) {
        return sync(watch.scope().store())
                .compose(reply -> vertx.executeBlocking(() -> history.read(watch.scope().store(), after, position), false))
                .map(result -> {
                    sink.open(ctx);
                    if (result instanceof HistoryReader.Compacted compacted) {
                        sink.compacted(compacted.oldestRevision());
                        watch.close();
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

    private Future<Void> startWithSnapshot(RoutingContext ctx, Watch watch, SseSink sink, int partition) {
        WatchScope scope = watch.scope();
        String store = scope.store();
        return reader.read(store, partition, 0, view -> null)
                .compose(before -> reader.read(store, partition, 0, view -> scope.prefix()
                        ? view.list(scope.key(), null, Integer.MAX_VALUE).entries()
                        : single(scope.key(), view.get(scope.key())))
                        .compose(snap -> awaitFeed(store, snap.revision() > before.revision() ? snap.revision() : -1)
                                .map(v -> snap)))
                .map(snap -> {
                    sink.open(ctx);
                    TreeMap<byte[], Entry> state = new TreeMap<>(Arrays::compareUnsigned);
                    snap.value().forEach(e -> state.put(e.key(), new Entry(e.key(), Http.array(e.entry().getValue()), e.entry().getCreateRevision(),
                            e.entry().getModRevision(), e.entry().getVersion(), e.entry().getLease())));
                    for (List<WatchEvent> batch : watch.goLive(snap.revision())) {
                        for (WatchEvent event : batch) {
                            if (!scope.matches(event.key())) {
                                continue;
                            }
                            if (event.type() == WatchEvent.Type.PUT) {
                                state.put(event.key(), new Entry(event.key(), event.value(), event.createRevision(),
                                        event.revision(), event.version(), event.lease()));
                            } else {
                                state.remove(event.key());
                            }
                        }
                    }
                    state.values().forEach(sink::snapshot);
                    sink.snapshotEnd(snap.revision());
                    return null;
                });
    }

    private static List<StateReader.Entry> single(byte[] key, KeyValue entry) {
        return entry == null ? List.of() : List.of(new StateReader.Entry(key, entry));
    }

    /** Completes once the feed has handed out every change up to {@code revision} (at once for -1). */
    private Future<Void> awaitFeed(String store, long revision) {
        if (revision < 0 || feed.readRevision(store) >= revision) {
            return Future.succeededFuture();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Promise<Void> promise = Promise.promise();
        vertx.setPeriodic(5, id -> {
            if (feed.readRevision(store) >= revision) {
                vertx.cancelTimer(id);
                promise.tryComplete();
            } else if (System.nanoTime() > deadline) {
                vertx.cancelTimer(id);
                promise.tryFail(new ApiException(ErrorCode.TIMEOUT, "the change feed did not reach revision " + revision));
            }
        });
        return promise.future();
    }

    private Future<Reply> sync(String store) {
        return Future.fromCompletionStage(bus.sync(store, timeout), vertx.getOrCreateContext()).map(reply -> {
            Commands.check(reply);
            return reply;
        });
    }

    private static WatchScope scope(RoutingContext ctx, String store) {
        String key = ctx.request().getParam("key");
        String prefix = ctx.request().getParam("prefix");
        if ((key == null) == (prefix == null)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "watch exactly one of ?key= or ?prefix= (an empty prefix watches the whole store)");
        }
        if (key != null && key.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_KEY, "the key to watch is empty");
        }
        return key != null ? new WatchScope(store, key.getBytes(StandardCharsets.UTF_8), false)
                : new WatchScope(store, prefix.getBytes(StandardCharsets.UTF_8), true);
    }

    /** The revision after which to resume: Last-Event-ID (seen), else fromRevision - 1; null for neither. */
    private static Long after(RoutingContext ctx) {
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        if (lastEventId != null && !lastEventId.isBlank()) {
            return Http.parseRevision(lastEventId.trim(), "Last-Event-ID");
        }
        String from = ctx.request().getParam("fromRevision");
        if (from == null) {
            return null;
        }
        long revision = Http.parseRevision(from, "fromRevision");
        if (revision < 1) {
            throw new ApiException(ErrorCode.INVALID_REVISION, "fromRevision starts at 1");
        }
        return revision - 1;
    }

    /** A key's state for the snapshot. */
    private record Entry(byte[] key, byte[] value, long createRevision, long modRevision, long version, long lease) {
    }

    /** Writes watch messages as Server-Sent Events. Used on the request's context only. */
    private static final class SseSink implements Watch.Sink {
        private final HttpServerResponse response;

        SseSink(HttpServerResponse response) {
            this.response = response;
        }

        void open(RoutingContext ctx) {
            response.setStatusCode(200).setChunked(true)
                    .putHeader("Content-Type", "text/event-stream")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
            response.write(": dkv watch\n\n");
        }

        void snapshot(Entry entry) {
            JsonObject json = new JsonObject();
            Http.bytes(json, "key", entry.key());
            Http.bytes(json, "value", entry.value());
            json.put("modRevision", entry.modRevision()).put("createRevision", entry.createRevision()).put("version", entry.version());
            if (entry.lease() != 0) {
                json.put("lease", Long.toString(entry.lease()));
            }
            write(null, "snapshot", json);
        }

        void snapshotEnd(long revision) {
            write(null, "snapshot-end", new JsonObject().put("revision", revision));
        }

        void compacted(long oldestRevision) {
            write(null, "compacted", new JsonObject().put("revision", oldestRevision)
                    .put("message", "the history needed to resume is gone; watch again with snapshot=true, or from revision " + oldestRevision));
        }

        void end() {
            if (!response.ended()) {
                response.end();
            }
        }

        /**
         * Only the last message of a transaction carries the SSE id, so Last-Event-ID moves at
         * transaction boundaries: a client cut off mid-transaction resumes with the whole transaction.
         */
        @Override
        public void events(List<WatchEvent> batch) {
            for (int i = 0; i < batch.size(); i++) {
                WatchEvent event = batch.get(i);
                write(i == batch.size() - 1 ? Long.toString(event.revision()) : null,
                        event.type() == WatchEvent.Type.PUT ? "put" : "delete", event.toJson());
            }
        }

        @Override
        public void progress(long revision) {
            write(null, "progress", new JsonObject().put("revision", revision));
        }

        @Override
        public void cancelled(String reason, long resumeRevision) {
            write(null, "cancelled", new JsonObject().put("reason", reason).put("resumeRevision", resumeRevision));
            end();
        }

        @Override
        public boolean writeQueueFull() {
            return response.writeQueueFull();
        }

        @Override
        public void drainHandler(Runnable onDrain) {
            response.drainHandler(v -> onDrain.run());
        }

        private void write(String id, String event, JsonObject data) {
            if (response.ended() || response.closed()) {
                return;
            }
            StringBuilder message = new StringBuilder(64);
            if (id != null) {
                message.append("id: ").append(id).append('\n');
            }
            message.append("event: ").append(event).append('\n').append("data: ").append(data.encode()).append("\n\n");
            response.write(message.toString());
        }
    }
}
