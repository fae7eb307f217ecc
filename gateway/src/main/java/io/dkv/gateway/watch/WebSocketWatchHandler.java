package io.dkv.gateway.watch;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.auth.OpenStreams;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.Owners;
import io.dkv.gateway.watch.internals.Watch;
import io.dkv.gateway.watch.internals.WatchSink;
import io.dkv.gateway.watch.internals.WatchStarter;
import io.dkv.schemas.KeyValue;
import io.vertx.core.Handler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * GET /v1/stores/{store}/ws: many watches of one store over one WebSocket. The client sends JSON
 * text frames {@code {"type":"watch","id":"w1","key"|"prefix":"…","snapshot":true,"fromRevision":n,"prevValue":true}}
 * and {@code {"type":"cancel","id":"w1"}}; the server answers with frames that carry the watch id:
 * {@code created}, {@code snapshot}, {@code snapshot-end}, {@code events} (one frame per transaction:
 * {@code revision} and its {@code events}), {@code progress}, {@code compacted}, {@code cancelled}
 * and {@code error} ({@code code}, {@code message}). Semantics are those of the SSE watch. The
 * socket also carries the {@link SocketSubscription}s it is given, such as an election's
 * {@code observe}, cancelled like watches. Closing the socket ends every watch on it.
 */
public final class WebSocketWatchHandler implements Handler<RoutingContext> {
    private final WatchStarter starter;
    private final Owners owners;
    private final int maxKeyBytes;
    private final int maxWatchesPerConnection;
    private final Map<String, SocketSubscription> subscriptions;
    private final OpenStreams streams;

    /**
     * @param subscriptions the other kinds of stream the socket carries, by frame type (besides
     *     {@code watch} and {@code cancel})
     * @param streams where each watch holds the grant it was admitted on, so that a new access policy
     *     that takes the grant away ends it
     */
    public WebSocketWatchHandler(WatchStarter starter, Owners owners, int maxKeyBytes, int maxWatchesPerConnection,
            Map<String, SocketSubscription> subscriptions, OpenStreams streams) {
        this.subscriptions = subscriptions;
        this.streams = streams;
        this.starter = starter;
        this.owners = owners;
        this.maxKeyBytes = maxKeyBytes;
        this.maxWatchesPerConnection = maxWatchesPerConnection;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String store = Http.store(ctx);
        Http.query(ctx);
        Access.requireSomewhere(ctx, store, Action.WATCH, Action.ELECT);
        Access access = Access.of(ctx);
        ctx.request().toWebSocket().onSuccess(ws -> new Connection(store, access, ws)).onFailure(ctx::fail);
    }

    /** One socket and its watches; used on the socket's context only. */
    private final class Connection {
        private final String store;
        private final Access access;
        private final ServerWebSocket ws;
        private final Map<String, Watch> watches = new HashMap<>();
        /** The grants the watches and subscriptions were admitted on, by id. */
        private final Map<String, OpenStreams.Held> holds = new HashMap<>();
        private final List<Runnable> onDrain = new ArrayList<>();

        Connection(String store, Access access, ServerWebSocket ws) {
            this.store = store;
            this.access = access;
            this.ws = ws;
            ws.textMessageHandler(this::onMessage);
            ws.closeHandler(v -> {
                watches.values().forEach(Watch::close);
                watches.clear();
                holds.values().forEach(OpenStreams.Held::close);
                holds.clear();
            });
            ws.drainHandler(v -> {
                List<Runnable> waiting = new ArrayList<>(onDrain);
                onDrain.clear();
                waiting.forEach(Runnable::run);
            });
        }

        private void onMessage(String text) {
            JsonObject message;
            try {
                message = new JsonObject(text);
            } catch (DecodeException e) {
                send(new JsonObject().put("type", "error").put("code", ErrorCode.INVALID_JSON.name())
                        .put("message", "frames are JSON objects: " + e.getMessage()));
                return;
            }
            String id = message.getValue("id") instanceof String s ? s : null;
            try {
                if (id == null || id.isEmpty()) {
                    throw new ApiException(ErrorCode.INVALID_REQUEST, "every frame needs a string id naming the watch");
                }
                String type = String.valueOf(message.getValue("type"));
                switch (type) {
                    case "watch" -> watch(id, message);
                    case "cancel" -> cancel(id);
                    default -> {
                        SocketSubscription subscription = subscriptions.get(type);
                        if (subscription == null) {
                            throw new ApiException(ErrorCode.INVALID_REQUEST, "type is watch, cancel or one of " + subscriptions.keySet());
                        }
                        subscribe(id, message, subscription);
                    }
                }
            } catch (ApiException e) {
                send(e.body().put("type", "error").put("id", id));
            }
        }

        private void checkRoomFor(String id) {
            if (watches.containsKey(id)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "watch " + id + " exists already on this connection");
            }
            if (watches.size() >= maxWatchesPerConnection) {
                throw new ApiException(ErrorCode.REQUEST_TOO_LARGE, "at most " + maxWatchesPerConnection + " watches per connection");
            }
        }

        private int localPartition(String what, String hint) {
            Owners.Owner owner = owners.ownerOf(store);
            if (!(owner instanceof Owners.Local local)) {
                String where = owner instanceof Owners.Remote remote ? remote.host().host() + ":" + remote.host().port() : "no instance yet";
                throw new ApiException(ErrorCode.UNAVAILABLE, what + " of store " + store
                        + " is read where the store lives (" + where + "); connect there" + hint);
            }
            return local.partition();
        }

        private void subscribe(String id, JsonObject message, SocketSubscription subscription) {
            checkRoomFor(id);
            int partition = localPartition("a " + message.getValue("type"), "");
            Watch watch = subscription.start(store, partition, message, access, new SubscriptionFrames(id));
            watches.put(id, watch);
            SocketSubscription.Grant grant = subscription.grant(message);
            holdGrant(id, watch, grant.action(), grant.key());
        }

        private void watch(String id, JsonObject message) {
            checkRoomFor(id);
            Object from = message.getValue("fromRevision");
            WatchRequest request = WatchRequest.of(store, Http.bytesField(message, "key", "watch " + id),
                    Http.bytesField(message, "prefix", "watch " + id),
                    Boolean.TRUE.equals(message.getValue("snapshot")), from == null ? null : String.valueOf(from), null,
                    Boolean.TRUE.equals(message.getValue("prevValue")), maxKeyBytes);
            access.require(Action.WATCH, store, request.scope().key());
            int partition = -1;
            if (request.snapshot()) {
                partition = localPartition("a snapshot", ", or watch without snapshot");
            }
            WsSink sink = new WsSink(id, request.prevValue());
            WatchStarter.Started started = starter.start(request, sink, partition);
            watches.put(id, started.watch());
            holdGrant(id, started.watch(), Action.WATCH, request.scope().key());
            started.ready().onFailure(e -> {
                if (watches.get(id) == started.watch()) {
                    failed(id, e);
                }
            });
        }

        /** Holds the grant {@code watch} was admitted on: a policy that takes it away ends the watch with FORBIDDEN. */
        private void holdGrant(String id, Watch watch, Action action, byte[] key) {
            holds.put(id, streams.hold(access, action, store, key, forbidden -> {
                if (watches.get(id) == watch) {
                    watch.close();
                    failed(id, forbidden);
                }
            }));
        }

        /** Takes the watch or subscription {@code id} off the connection, releasing its grant; null if there is none. */
        private Watch remove(String id) {
            OpenStreams.Held held = holds.remove(id);
            if (held != null) {
                held.close();
            }
            return watches.remove(id);
        }

        /** The watch or subscription {@code id} could not start, or ended in error: it goes, and the client hears why. */
        private void failed(String id, Throwable e) {
            remove(id);
            ApiException error = e instanceof ApiException api ? api : new ApiException(ErrorCode.INTERNAL, String.valueOf(e.getMessage()));
            send(error.body().put("type", "error").put("id", id));
        }

        private void cancel(String id) {
            Watch watch = remove(id);
            if (watch == null) {
                throw new ApiException(ErrorCode.NOT_FOUND, "no watch " + id + " on this connection");
            }
            watch.close();
            send(new JsonObject().put("type", "cancelled").put("id", id).put("reason", "client")
                    .put("resumeRevision", watch.deliveredRevision()));
        }

        private void send(JsonObject frame) {
            if (!ws.isClosed()) {
                ws.writeTextMessage(frame.encode());
            }
        }

        /** The frames of one {@link SocketSubscription}, tagged with its id. */
        private final class SubscriptionFrames implements SocketSubscription.Frames {
            private final String id;

            SubscriptionFrames(String id) {
                this.id = id;
            }

            @Override
            public void send(String type, JsonObject frame) {
                Connection.this.send(frame.put("type", type).put("id", id));
            }

            @Override
            public void error(Throwable e) {
                failed(id, e);
            }

            @Override
            public void end() {
                remove(id);
            }

            @Override
            public boolean writeQueueFull() {
                return ws.writeQueueFull();
            }

            @Override
            public void drainHandler(Runnable onDrained) {
                onDrain.add(onDrained);
            }
        }

        /** One watch's messages as frames tagged with its id. */
        private final class WsSink implements WatchSink {
            private final String id;
            private final boolean prevValue;
            private boolean opened;

            WsSink(String id, boolean prevValue) {
                this.id = id;
                this.prevValue = prevValue;
            }

            private JsonObject frame(String type) {
                return new JsonObject().put("type", type).put("id", id);
            }

            @Override
            public void open() {
                opened = true;
                send(frame("created"));
            }

            @Override
            public boolean opened() {
                return opened;
            }

            @Override
            public void snapshot(byte[] key, KeyValue entry) {
                send(frame("snapshot").mergeIn(Http.entry(key, entry)));
            }

            @Override
            public void snapshotEnd(long revision) {
                send(frame("snapshot-end").put("revision", revision));
            }

            @Override
            public void compacted(long oldestRevision) {
                send(frame("compacted").put("revision", oldestRevision));
            }

            @Override
            public void end() {
                remove(id);
            }

            @Override
            public void events(List<WatchEvent> batch) {
                JsonArray events = new JsonArray();
                batch.forEach(e -> events.add(e.toJson(prevValue).put("type", e.type() == WatchEvent.Type.PUT ? "put" : "delete")));
                send(frame("events").put("revision", batch.get(0).revision()).put("events", events));
            }

            @Override
            public void progress(long revision) {
                send(frame("progress").put("revision", revision));
            }

            @Override
            public void cancelled(String reason, long resumeRevision) {
                send(frame("cancelled").put("reason", reason).put("resumeRevision", resumeRevision));
                end();
            }

            @Override
            public boolean writeQueueFull() {
                return ws.writeQueueFull();
            }

            @Override
            public void drainHandler(Runnable onDrained) {
                onDrain.add(onDrained);
            }
        }
    }
}
