package io.dkv.gateway.watch;

import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.auth.OpenStreams;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.Owners;
import io.dkv.gateway.internals.QueryParams;
import io.dkv.gateway.internals.ReadForwarder;
import io.dkv.gateway.internals.SseStream;
import io.dkv.gateway.watch.internals.SseWatchResponse;
import io.dkv.gateway.watch.internals.WatchSink;
import io.dkv.gateway.watch.internals.WatchStarter;
import io.dkv.schemas.KeyValue;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.OptionalInt;

/**
 * GET /v1/stores/{store}/watch: a watch as Server-Sent Events, for one key ({@code ?key=}) or a
 * prefix ({@code ?prefix=}), usable from {@code curl -N} and browsers' EventSource. Three ways to start:
 * <ul>
 *   <li>{@code snapshot=true}: {@code snapshot} messages with the scope's state at revision R, one
 *       {@code snapshot-end} carrying R, then every change after R;
 *   <li>{@code fromRevision=r} (inclusive) or the {@code Last-Event-ID} header (the last revision
 *       the client has): the history after it, then live changes; a {@code compacted} message with
 *       the oldest resumable revision if that history is gone;
 *   <li>neither: a {@code progress} message with the current revision R, then every change after R.
 * </ul>
 * {@code prevValue=true} adds each change's previous value ({@code prevValue}) to put and delete messages.
 * Changes arrive as {@code put} / {@code delete} messages in revision order, each transaction's
 * changes together; the last message of a transaction carries its revision as SSE id, so
 * Last-Event-ID only moves at transaction boundaries and a client cut off mid-transaction gets the
 * whole transaction again. Idle watches get {@code progress}; a watch that cannot keep up gets
 * {@code cancelled} (reason {@code slow-consumer}, {@code resumeRevision}). A snapshot needs the
 * owner's state, so such a watch is relayed from the owning instance.
 */
public final class SseWatchHandler implements Handler<RoutingContext> {
    private final WatchStarter starter;
    private final Owners owners;
    private final ReadForwarder forwarder;
    private final int maxKeyBytes;
    private final OpenStreams streams;

    public SseWatchHandler(WatchStarter starter, Owners owners, ReadForwarder forwarder, int maxKeyBytes, OpenStreams streams) {
        this.starter = starter;
        this.streams = streams;
        this.owners = owners;
        this.forwarder = forwarder;
        this.maxKeyBytes = maxKeyBytes;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String store = Http.store(ctx);
        QueryParams query = Http.query(ctx, "key", "prefix", "snapshot", "fromRevision", "prevValue");
        WatchRequest request = WatchRequest.of(store, query.bytes("key"), query.bytes("prefix"),
                query.bool("snapshot", false), query.string("fromRevision"),
                ctx.request().getHeader("Last-Event-ID"), query.bool("prevValue", false), maxKeyBytes);
        Access.require(ctx, Action.WATCH, store, request.scope().key());
        int partition = -1;
        if (request.snapshot()) {
            OptionalInt local = owners.localPartitionOrForward(store, owner -> forwarder.forwardStream(ctx, owner));
            if (local.isEmpty()) {
                return;
            }
            partition = local.getAsInt();
        }
        SseStream stream = new SseStream(ctx.response());
        SseSink sink = new SseSink(stream, request.prevValue());
        SseWatchResponse.serve(ctx, starter.start(request, sink, partition), stream, sink::cancelled, streams, Action.WATCH, store,
                request.scope().key());
    }

    /** Writes watch messages as Server-Sent Events; used on the request's context only. */
    private static final class SseSink implements WatchSink {
        private final SseStream stream;
        private final boolean prevValue;

        SseSink(SseStream stream, boolean prevValue) {
            this.stream = stream;
            this.prevValue = prevValue;
        }

        @Override
        public void open() {
            stream.open("dkv watch");
        }

        @Override
        public boolean opened() {
            return stream.opened();
        }

        @Override
        public void snapshot(byte[] key, KeyValue entry) {
            stream.send(null, "snapshot", Http.entry(key, entry));
        }

        @Override
        public void snapshotEnd(long revision) {
            stream.send(null, "snapshot-end", new JsonObject().put("revision", revision));
        }

        @Override
        public void compacted(long oldestRevision) {
            stream.send(null, "compacted", new JsonObject().put("revision", oldestRevision).put("message",
                    "the history needed to resume is gone; watch again with snapshot=true, or from revision " + oldestRevision));
        }

        @Override
        public void events(List<WatchEvent> batch) {
            for (int i = 0; i < batch.size(); i++) {
                WatchEvent event = batch.get(i);
                stream.send(i == batch.size() - 1 ? Long.toString(event.revision()) : null,
                        event.type() == WatchEvent.Type.PUT ? "put" : "delete", event.toJson(prevValue));
            }
        }

        @Override
        public void progress(long revision) {
            stream.send(null, "progress", new JsonObject().put("revision", revision));
        }

        @Override
        public void cancelled(String reason, long resumeRevision) {
            stream.send(null, "cancelled", new JsonObject().put("reason", reason).put("resumeRevision", resumeRevision));
            end();
        }

        @Override
        public void end() {
            stream.end();
        }

        @Override
        public boolean writeQueueFull() {
            return stream.writeQueueFull();
        }

        @Override
        public void drainHandler(Runnable onDrain) {
            stream.drainHandler(onDrain);
        }
    }
}
