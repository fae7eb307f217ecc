package io.dkv.gateway.lock;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.Limits;
import io.dkv.gateway.internals.CommandBus;
import io.dkv.gateway.internals.Commands;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.OwnerReads;
import io.dkv.gateway.internals.Owners;
import io.dkv.gateway.internals.ReadForwarder;
import io.dkv.gateway.internals.StateReader;
import io.dkv.gateway.lease.LeaseHandlers.LeaseTtls;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.Lock;
import io.dkv.schemas.LockHandle;
import io.dkv.schemas.LockRequest;
import io.dkv.schemas.LockState;
import io.dkv.schemas.Reply;
import io.dkv.streams.lease.LiveLeases;
import io.dkv.streams.lease.LiveLeases.LeaseId;
import io.dkv.streams.lock.internals.LockApplier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lock routes of one store: acquire (optionally waiting in the key's queue), refresh, release
 * and describe.
 *
 * <p>Acquire and release are commands in the log, decided by the store's task (see
 * {@code LockApplier}): any gateway sends them. A waiting acquire registers for its grant's reply
 * ({@code lock-granted:<request id>}) before it is sent, so the grant reaches this gateway like any
 * reply and nothing polls; when the wait ends or the client goes away, the gateway takes the waiter
 * out of the queue (releasing the lock if it was granted meanwhile). A lock lives as long as its
 * lease, so a refresh is a lease refresh on the owning instance and never reaches the log. Handlers
 * never block.
 */
public final class LockHandlers {
    private static final Set<String> ACQUIRE_FIELDS = Set.of("ttlMs", "waitMs", "lease");
    private static final String REFRESH_SUFFIX = "/refresh";

    private final Vertx vertx;
    private final CommandBus bus;
    private final OwnerReads reads;
    private final Owners owners;
    private final ReadForwarder forwarder;
    private final StateReader reader;
    private final LiveLeases live;
    private final Limits limits;
    private final LeaseTtls ttls;
    private final long maxWaitMs;
    private final Duration timeout;

    public LockHandlers(Vertx vertx, CommandBus bus, OwnerReads reads, Owners owners, ReadForwarder forwarder, StateReader reader,
            LiveLeases live, Limits limits, LeaseTtls ttls, long maxWaitMs, Duration timeout) {
        this.vertx = vertx;
        this.bus = bus;
        this.reads = reads;
        this.owners = owners;
        this.forwarder = forwarder;
        this.reader = reader;
        this.live = live;
        this.limits = limits;
        this.ttls = ttls;
        this.maxWaitMs = maxWaitMs;
        this.timeout = timeout;
    }

    /** POST …/locks/{key}: an acquire; POST …/locks/{key}/refresh: a refresh (a key ending in "/refresh" is written with %2F). */
    public void post(RoutingContext ctx) {
        if (ctx.request().path().endsWith(REFRESH_SUFFIX)) {
            refresh(ctx);
        } else {
            acquire(ctx);
        }
    }

    /**
     * POST /v1/stores/{store}/locks/{key} {@code {"ttlMs": 5000, "waitMs": 0}} or {@code {"lease": "…"}} →
     * {@code {"handle","fencingToken","expiresAt","ttlMs","lease"}}; held by another → 409 LOCKED with the
     * holder's {@code expiresAt} and {@code fencingToken}, after waiting up to {@code waitMs} in the key's queue.
     */
    private void acquire(RoutingContext ctx) {
        String store = Http.store(ctx);
        byte[] key = Http.pathKey(ctx, "locks", "", limits);
        Access.require(ctx, Action.LOCK, store, key);
        Http.query(ctx);
        JsonObject body = Http.jsonBody(ctx, ACQUIRE_FIELDS, "an acquire is {\"ttlMs\": 5000, \"waitMs\": 0} or {\"lease\": \"<id>\", \"waitMs\": 0}");
        long waitMs = Http.waitMs(body, maxWaitMs, "--max-lock-wait-ms");
        LockRequest.Builder request = LockRequest.newBuilder().setKey(ByteBuffer.wrap(key)).setWaitMs(waitMs)
                .setNonce(ThreadLocalRandom.current().nextLong());
        if (body.getValue("lease") != null) {
            if (body.getValue("ttlMs") != null) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "give ttlMs (the lock gets a lease of its own) or lease (it lives as long as that one), not both");
            }
            Object lease = body.getValue("lease");
            request.setLease(Http.parseLease(lease instanceof String s ? s : String.valueOf(lease), "lease"));
        } else {
            request.setTtlMs(ttls.of(body)).setLease(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
        }
        Command command = Commands.builder(ctx, store, CommandType.LOCK_ACQUIRE).setLock(request.build()).build();
        if (waitMs == 0) {
            Commands.send(vertx, bus, command, timeout).onSuccess(reply -> answer(ctx, key, reply)).onFailure(ctx::fail);
            return;
        }
        new Wait(ctx, command, key, waitMs).start();
    }

    /** A waiting acquire: its grant, the end of its wait or the client's departure, whichever comes first. */
    private final class Wait {
        private final RoutingContext ctx;
        private final Command command;
        private final byte[] key;
        private final long waitMs;
        private final String grantId;
        private final CompletableFuture<Reply> grant;
        private final AtomicBoolean over = new AtomicBoolean();
        private long timer = -1;

        Wait(RoutingContext ctx, Command command, byte[] key, long waitMs) {
            this.ctx = ctx;
            this.command = command;
            this.key = key;
            this.waitMs = waitMs;
            this.grantId = LockApplier.GRANT_REQUEST_PREFIX + command.getRequestId();
            this.grant = bus.expect(grantId, Duration.ofMillis(waitMs).plus(timeout));
        }

        void start() {
            ctx.response().closeHandler(v -> giveUp(null));
            Commands.send(vertx, bus, command, timeout).onComplete(ar -> {
                if (ar.failed()) {
                    finish(() -> ctx.fail(ar.cause()));
                    return;
                }
                Reply reply = ar.result();
                if (reply.getLock() == null || !reply.getLock().getQueued()) {
                    finish(() -> answer(ctx, key, reply));
                    return;
                }
                LockState holder = reply.getLock();
                timer = vertx.setTimer(waitMs, t -> giveUp(holder));
                Future.fromCompletionStage(grant, vertx.getOrCreateContext()).onSuccess(granted -> finish(() -> answer(ctx, key, granted)));
            });
        }

        /** The wait ended or the client left: the waiter leaves the queue, and releases the lock if it got it meanwhile. */
        private void giveUp(LockState holder) {
            if (!over.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(timer);
            bus.forget(grantId, grant);
            Command cancel = Commands.builder(ctx, command.getStore(), CommandType.LOCK_RELEASE)
                    .setRequestId(command.getRequestId() + ":gave-up").setNewRequestId(false)
                    .setLock(LockRequest.newBuilder().setKey(ByteBuffer.wrap(key)).setAcquireRequestId(command.getRequestId()).build())
                    .build();
            Commands.send(vertx, bus, cancel, timeout).onComplete(ar -> {
                if (holder != null && !ctx.response().ended() && !ctx.response().closed()) {
                    ctx.fail(new ApiException(ErrorCode.LOCKED, "the lock was not granted within waitMs " + waitMs
                            + "; the caller left the queue", new JsonObject().put("fencingToken", holder.getFencingToken())
                            .put("expiresAt", holder.getExpiresAtMs())).withStatus(409));
                }
            });
        }

        private void finish(Runnable answer) {
            if (over.compareAndSet(false, true)) {
                vertx.cancelTimer(timer);
                bus.forget(grantId, grant);
                answer.run();
            }
        }
    }

    /** Answers an acquire with its grant, or its refusal (LOCKED is 409 here: the caller holds no handle yet). */
    private static void answer(RoutingContext ctx, byte[] key, Reply reply) {
        try {
            Commands.check(reply);
            if (reply.getLock() == null || reply.getLock().getNonce() == 0) {
                throw new ApiException(ErrorCode.INTERNAL, "the acquire's reply holds no grant");
            }
            Http.revision(ctx.response(), reply.getRevision());
            Http.json(ctx, 200, render(key, reply.getLock()));
        } catch (ApiException e) {
            ctx.fail(e.code() == ErrorCode.LOCKED ? e.withStatus(409) : e);
        }
    }

    private static JsonObject render(byte[] key, LockState lock) {
        JsonObject body = new JsonObject();
        Http.bytes(body, "key", key);
        return body.put("handle", Http.handle(lock.getFencingToken(), lock.getNonce())).put("fencingToken", lock.getFencingToken())
                .put("expiresAt", lock.getExpiresAtMs()).put("ttlMs", lock.getTtlMs()).put("lease", Long.toString(lock.getLease()))
                .put("ownLease", lock.getOwnLease());
    }

    /**
     * POST /v1/stores/{store}/locks/{key}/refresh with DKV-Lock → the lock lives a full TTL from now
     * ({@code {"handle","fencingToken","expiresAt","ttlMs","lease"}}), by refreshing its lease; a handle that
     * is not the current holder's, or whose lease ended → 423 LOCKED, nothing changes.
     */
    private void refresh(RoutingContext ctx) {
        String store = Http.store(ctx);
        byte[] key = Http.pathKey(ctx, "locks", REFRESH_SUFFIX, limits);
        Access.require(ctx, Action.LOCK, store, key);
        Http.query(ctx);
        LockHandle handle = requiredHandle(ctx);
        OptionalInt partition = owners.localPartitionOrForward(store, owner -> forwarder.forward(ctx, owner));
        if (partition.isEmpty()) {
            return;
        }
        reader.read(store, partition.getAsInt(), 0, view -> view.lock(key)).onComplete(ar -> {
            try {
                if (ar.failed()) {
                    throw ar.cause() instanceof RuntimeException e ? e : new IllegalStateException(ar.cause());
                }
                Lock holder = ar.result().value();
                if (holder == null || !holds(holder, handle)) {
                    throw notHolder(holder, partition.getAsInt(), store);
                }
                LeaseId lease = new LeaseId(store, holder.getLease());
                long now = System.currentTimeMillis();
                switch (live.refresh(partition.getAsInt(), lease, now)) {
                    case REFRESHED -> {
                        long remaining = live.remainingMs(partition.getAsInt(), lease, now).orElse(0);
                        Http.json(ctx, 200, render(key, LockState.newBuilder().setFencingToken(holder.getFencingToken())
                                .setNonce(holder.getNonce()).setLease(holder.getLease()).setOwnLease(holder.getOwnLease())
                                .setTtlMs(holder.getTtlMs()).setExpiresAtMs(now + remaining).build()));
                    }
                    case NOT_FOUND -> throw new ApiException(ErrorCode.LOCKED, "the lock's lease ended (it expired or was revoked): "
                            + "the handle is dead; acquire the lock again");
                    case NOT_HERE -> throw new ApiException(ErrorCode.UNAVAILABLE, "store " + store
                            + " is moving between DKV instances; retry shortly (its locks keep a full TTL across the move)");
                }
            } catch (RuntimeException e) {
                ctx.fail(e);
            }
        });
    }

    /** DELETE /v1/stores/{store}/locks/{key} with DKV-Lock → {@code {"released": true, "revision"}}; a handle not the holder's → 423 LOCKED. */
    public void release(RoutingContext ctx) {
        String store = Http.store(ctx);
        byte[] key = Http.pathKey(ctx, "locks", "", limits);
        Access.require(ctx, Action.LOCK, store, key);
        Http.query(ctx);
        LockHandle handle = requiredHandle(ctx);
        Command command = Commands.builder(ctx, store, CommandType.LOCK_RELEASE)
                .setLock(LockRequest.newBuilder().setKey(ByteBuffer.wrap(key)).setHandle(handle).build()).build();
        Commands.respond(vertx, bus, timeout, ctx, command, reply -> {
            Http.revision(ctx.response(), reply.getRevision());
            Http.json(ctx, 200, new JsonObject().put("released", true).put("revision", reply.getRevision()));
        });
    }

    /**
     * GET /v1/stores/{store}/locks/{key} → {@code {"locked": true, "fencingToken", "expiresAt", "ttlMs", "lease",
     * "waiters"}} while held, {@code {"locked": false, "waiters": 0}} when free; never the handle.
     */
    public void describe(RoutingContext ctx) {
        String store = Http.store(ctx);
        byte[] key = Http.pathKey(ctx, "locks", "", limits);
        Access.require(ctx, Action.LOCK, store, key);
        Http.query(ctx);
        long minRevision = Http.revisionHeader(ctx, Http.MIN_REVISION_HEADER, 0);
        reads.read(ctx, store, minRevision, view -> new Described(view.lock(key), view.lockWaiters(key, Integer.MAX_VALUE)), snapshot -> {
            Lock holder = snapshot.value().holder();
            JsonObject body = new JsonObject();
            Http.bytes(body, "key", key);
            body.put("locked", holder != null).put("waiters", snapshot.value().waiters()).put("revision", snapshot.revision());
            if (holder != null) {
                body.put("fencingToken", holder.getFencingToken()).put("expiresAt", expiresAt(holder, partitionOf(store), store))
                        .put("ttlMs", holder.getTtlMs()).put("lease", Long.toString(holder.getLease())).put("ownLease", holder.getOwnLease())
                        .put("acquiredAt", holder.getAcquiredAtMs());
            }
            Http.revision(ctx.response(), snapshot.revision());
            Http.json(ctx, 200, body);
        });
    }

    private record Described(Lock holder, int waiters) {
    }

    private static boolean holds(Lock holder, LockHandle handle) {
        return holder.getFencingToken() == handle.getFencingToken() && holder.getNonce() == handle.getNonce();
    }

    private ApiException notHolder(Lock holder, int partition, String store) {
        JsonObject details = new JsonObject();
        if (holder != null) {
            details.put("fencingToken", holder.getFencingToken()).put("expiresAt", expiresAt(holder, partition, store));
        }
        return new ApiException(ErrorCode.LOCKED, holder == null
                ? "the key's lock is not held: the handle was released or expired; acquire the lock again"
                : "the handle is not the current holder's: it was released or expired, or it is another key's", details);
    }

    private long expiresAt(Lock holder, int partition, String store) {
        long now = System.currentTimeMillis();
        return now + live.remainingMs(partition, new LeaseId(store, holder.getLease()), now).orElse(0);
    }

    private int partitionOf(String store) {
        return owners.ownerOf(store) instanceof Owners.Local local ? local.partition() : -1;
    }

    private static LockHandle requiredHandle(RoutingContext ctx) {
        LockHandle handle = Http.lockHeader(ctx);
        if (handle == null) {
            throw new ApiException(ErrorCode.INVALID_HANDLE, "pass the lock's handle in the " + Http.LOCK_HEADER + " header");
        }
        return handle;
    }
}
