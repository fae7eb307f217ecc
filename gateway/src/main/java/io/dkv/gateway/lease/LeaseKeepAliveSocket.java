package io.dkv.gateway.lease;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.auth.OpenStreams;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.Owners;
import io.dkv.gateway.internals.ReadForwarder;
import io.dkv.gateway.limit.AbuseLimits;
import io.dkv.streams.lease.LiveLeases;
import io.dkv.streams.lease.LiveLeases.LeaseId;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import org.apache.kafka.streams.state.HostInfo;

/**
 * GET /v1/stores/{store}/leases/keepalive: a WebSocket that refreshes leases of one store, a frame
 * per refresh, as etcd's keep-alive stream does. The client sends text frames {@code {"id": "<lease>"}};
 * for each the server answers {@code {"type": "refreshed", "id", "ttlMs"}} (the lease lives a full TTL
 * from now) or {@code {"type": "error", "id", "code", "message"}} ({@code LEASE_NOT_FOUND} for a
 * lease that is unknown, revoked or expired, which nothing changes). Any number of leases may share a
 * socket.
 *
 * <p>A refresh over HTTP costs a request: its head parsed, routed, authenticated and answered with
 * headers. A frame on an open socket skips all of that, so where many clients each keep one lease
 * alive the owner spends a fraction of the CPU per refresh. Frames are refreshed where the HTTP
 * refresh would be: from memory on the instance that owns the store; a socket open on another
 * instance forwards each frame there, so a client keeps its socket across a move of the store and
 * its leases keep their full TTL. A frame the owner answers from memory is answered in order; one
 * that is forwarded, or waits for a store that is moving, may be answered after later frames, which
 * is why every answer names its lease.
 *
 * <p>The socket needs {@code lease} on the store, as every lease route does; a reloaded access file
 * that takes it away closes the socket with a {@code FORBIDDEN} error frame. Each frame counts as a
 * request against {@code --max-requests-per-second}. Handlers run on the socket's context and never
 * block.
 */
public final class LeaseKeepAliveSocket implements Handler<RoutingContext> {
    private static final long NOT_HERE_RETRY_MS = 20;

    private final Vertx vertx;
    private final Owners owners;
    private final ReadForwarder forwarder;
    private final LiveLeases live;
    private final Duration timeout;
    private final OpenStreams streams;
    private final AbuseLimits abuseLimits;

    public LeaseKeepAliveSocket(Vertx vertx, Owners owners, ReadForwarder forwarder, LiveLeases live, Duration timeout,
            OpenStreams streams, AbuseLimits abuseLimits) {
        this.vertx = vertx;
        this.owners = owners;
        this.forwarder = forwarder;
        this.live = live;
        this.timeout = timeout;
        this.streams = streams;
        this.abuseLimits = abuseLimits;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireStore(ctx, Action.LEASE, store);
        Http.query(ctx);
        Access access = Access.of(ctx);
        ReadForwarder.Caller caller = ReadForwarder.Caller.of(ctx);
        SocketAddress remote = ctx.request().remoteAddress();
        ctx.request().toWebSocket().onSuccess(ws -> new Connection(store, access, caller, remote, ws)).onFailure(ctx::fail);
    }

    /** An {@code error} frame for {@code e}. */
    private static JsonObject error(ApiException e) {
        return e.body().put("type", "error");
    }

    /** An {@code error} frame for {@code e}, naming the lease id the frame it answers gave. */
    private static JsonObject error(ApiException e, Object id) {
        return error(e).put("id", id);
    }

    /** One socket; used on its context only. */
    private final class Connection {
        private final String store;
        private final Access access;
        private final ReadForwarder.Caller caller;
        private final SocketAddress remote;
        private final ServerWebSocket ws;

        Connection(String store, Access access, ReadForwarder.Caller caller, SocketAddress remote, ServerWebSocket ws) {
            this.store = store;
            this.access = access;
            this.caller = caller;
            this.remote = remote;
            this.ws = ws;
            OpenStreams.Held held = streams.hold(access, Action.LEASE, store, new byte[0], forbidden -> {
                send(error(forbidden));
                ws.close();
            });
            ws.closeHandler(v -> held.close());
            ws.textMessageHandler(this::onFrame);
            // A client that sends faster than it reads its answers is read no further until they drain.
            ws.drainHandler(v -> ws.resume());
        }

        private void onFrame(String text) {
            JsonObject frame;
            try {
                frame = new JsonObject(text);
            } catch (DecodeException e) {
                send(error(new ApiException(ErrorCode.INVALID_JSON, "frames are JSON objects {\"id\": \"<lease id>\"}: " + e.getMessage())));
                return;
            }
            Object id = frame.getValue("id");
            try {
                abuseLimits.count(access, remote);
                if (!(id instanceof String) && !(id instanceof Number)) {
                    throw new ApiException(ErrorCode.INVALID_REQUEST, "a keep-alive frame is {\"id\": \"<lease id>\"}");
                }
                refresh(Http.parseLease(String.valueOf(id), "id"), System.nanoTime() + timeout.toNanos());
            } catch (ApiException e) {
                send(error(e, id));
            }
        }

        private void refresh(long id, long deadlineNanos) {
            Owners.Owner owner = owners.ownerOf(store);
            if (owner instanceof Owners.Local local) {
                refreshHere(local.partition(), id, deadlineNanos);
            } else if (owner instanceof Owners.Remote there) {
                refreshThere(there.host(), id);
            } else {
                retryWhileMoving(id, deadlineNanos);
            }
        }

        private void refreshHere(int partition, long id, long deadlineNanos) {
            LeaseId lease = new LeaseId(store, id);
            long now = System.currentTimeMillis();
            switch (live.refresh(partition, lease, now)) {
                case REFRESHED -> send(LeaseHandlers.refreshed(live, partition, lease, now).put("type", "refreshed"));
                case NOT_FOUND -> send(error(LeaseHandlers.leaseNotFound(store, id), Long.toString(id)));
                case NOT_HERE -> retryWhileMoving(id, deadlineNanos);
            }
        }

        /** The store's task is starting or moving: tries again shortly, up to the deadline, then answers UNAVAILABLE. */
        private void retryWhileMoving(long id, long deadlineNanos) {
            if (System.nanoTime() >= deadlineNanos) {
                send(error(new ApiException(ErrorCode.UNAVAILABLE, "store " + store + " is moving between DKV instances or starting;"
                        + " send the refresh again shortly (its leases keep a full TTL across the move)"), Long.toString(id)));
            } else {
                vertx.setTimer(NOT_HERE_RETRY_MS, t -> refresh(id, deadlineNanos));
            }
        }

        private void refreshThere(HostInfo host, long id) {
            forwarder.post(host, "/v1/stores/" + store + "/leases/" + id + "/refresh", caller).onComplete(answered -> {
                String lease = Long.toString(id);
                if (answered.failed()) {
                    send(error(new ApiException(ErrorCode.UNAVAILABLE, "the DKV instance that owns store " + store + " (" + host.host()
                            + ":" + host.port() + ") did not answer: " + answered.cause().getMessage()), lease));
                } else {
                    send(relayed(answered.result()).put("id", lease));
                }
            });
        }

        /** The owner's answer to a forwarded refresh as this socket's frame. */
        private JsonObject relayed(ReadForwarder.Answer answer) {
            try {
                return answer.body().toJsonObject().put("type", answer.status() == 200 ? "refreshed" : "error");
            } catch (DecodeException e) {
                return error(new ApiException(ErrorCode.INTERNAL, "the owner of store " + store + " answered " + answer.status()
                        + " without a JSON body"));
            }
        }

        private void send(JsonObject frame) {
            if (ws.isClosed()) {
                return;
            }
            ws.writeTextMessage(frame.encode());
            if (ws.writeQueueFull()) {
                ws.pause();
            }
        }
    }
}
