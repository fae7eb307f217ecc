package io.dkv.gateway.lease;

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
import io.dkv.gateway.internals.QueryParams;
import io.dkv.gateway.internals.ReadForwarder;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.Lease;
import io.dkv.schemas.LeaseRequest;
import io.dkv.streams.lease.LeaseRows;
import io.dkv.streams.lease.LiveLeases;
import io.dkv.streams.lease.LiveLeases.LeaseId;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The lease routes of one store: grant, refresh (keep-alive), describe, list and revoke.
 *
 * <p>Grant and revoke are commands in the log. A refresh is answered by the instance that owns the
 * store, from the deadlines its task keeps in memory ({@link LiveLeases}), and never reaches the log:
 * a keep-alive costs one HTTP round trip and no Kafka record. While the store's task is starting here
 * a refresh waits for it (up to the request timeout) rather than failing. Handlers never block.
 */
public final class LeaseHandlers {
    private static final long NOT_HERE_RETRY_MS = 20;
    private static final Set<String> GRANT_FIELDS = Set.of("ttlMs", "id");

    private final Vertx vertx;
    private final CommandBus bus;
    private final OwnerReads reads;
    private final Owners owners;
    private final ReadForwarder forwarder;
    private final LiveLeases live;
    private final Limits limits;
    private final LeaseTtls ttls;
    private final Duration timeout;

    /** The TTLs a grant (or a lock with a lease of its own) may ask for. */
    public record LeaseTtls(long minMs, long maxMs) {

        /**
         * The body's {@code ttlMs}.
         *
         * @throws ApiException INVALID_REQUEST unless an integer, TTL_OUT_OF_RANGE outside the bounds
         */
        public long of(JsonObject body) {
            Object value = body.getValue("ttlMs");
            if (!(value instanceof Number n) || n.doubleValue() != n.longValue()) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "ttlMs must be an integer number of milliseconds");
            }
            long ttl = n.longValue();
            if (ttl < minMs || ttl > maxMs) {
                throw new ApiException(ErrorCode.TTL_OUT_OF_RANGE, "ttlMs must be from " + minMs + " to " + maxMs
                        + " (--lease-min-ttl-ms, --lease-max-ttl-ms); got " + ttl,
                        new JsonObject().put("minTtlMs", minMs).put("maxTtlMs", maxMs));
            }
            return ttl;
        }
    }

    public LeaseHandlers(Vertx vertx, CommandBus bus, OwnerReads reads, Owners owners, ReadForwarder forwarder,
            LiveLeases live, Limits limits, LeaseTtls ttls, Duration timeout) {
        this.vertx = vertx;
        this.bus = bus;
        this.reads = reads;
        this.owners = owners;
        this.forwarder = forwarder;
        this.live = live;
        this.limits = limits;
        this.ttls = ttls;
        this.timeout = timeout;
    }

    /** POST /v1/stores/{store}/leases {@code {"ttlMs": 10000, "id": "…"}} (id optional) → 201 {@code {"id","ttlMs"}}. */
    public void grant(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireStore(ctx, Action.LEASE, store);
        Http.query(ctx);
        JsonObject body = Http.jsonBody(ctx, GRANT_FIELDS, "a grant is {\"ttlMs\": 10000} with an optional \"id\"");
        long ttl = ttls.of(body);
        Object idValue = body.getValue("id");
        long id = idValue == null ? ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)
                : Http.parseLease(idValue instanceof String s ? s : String.valueOf(idValue), "id");
        Command command = Commands.builder(ctx, store, CommandType.LEASE_GRANT)
                .setLease(LeaseRequest.newBuilder().setId(id).setTtlMs(ttl).build()).build();
        Commands.respond(vertx, bus, timeout, ctx, command, reply -> {
            // A retried grant gets the lease its first attempt made, whatever id this attempt drew.
            Lease lease = reply.getLease();
            Http.revision(ctx.response(), reply.getRevision());
            Http.json(ctx, 201, new JsonObject().put("id", Long.toString(lease.getId())).put("ttlMs", lease.getTtlMs()));
        });
    }

    /** POST /v1/stores/{store}/leases/{id}/refresh → {@code {"id","ttlMs"}}: the lease lives a full TTL from now. */
    public void refresh(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireStore(ctx, Action.LEASE, store);
        Http.query(ctx);
        long id = leaseId(ctx);
        OptionalInt partition = owners.localPartitionOrForward(store, owner -> forwarder.forward(ctx, owner));
        if (partition.isPresent()) {
            refreshHere(ctx, store, partition.getAsInt(), id, System.nanoTime() + timeout.toNanos());
        }
    }

    private void refreshHere(RoutingContext ctx, String store, int partition, long id, long deadlineNanos) {
        LeaseId lease = new LeaseId(store, id);
        long now = System.currentTimeMillis();
        switch (live.refresh(partition, lease, now)) {
            case REFRESHED -> Http.json(ctx, 200, refreshed(live, partition, lease, now));
            case NOT_FOUND -> storeMustExist(ctx, store, () -> {
                throw leaseNotFound(store, id);
            });
            case NOT_HERE -> retryWhileMoving(ctx, store, deadlineNanos, () -> refreshHere(ctx, store, partition, id, deadlineNanos));
        }
    }

    /** A refreshed lease as a refresh answers it (by request or on the keep-alive socket): its id and the TTL it has now. */
    static JsonObject refreshed(LiveLeases live, int partition, LeaseId lease, long now) {
        return new JsonObject().put("id", Long.toString(lease.id())).put("ttlMs", live.remainingMs(partition, lease, now).orElse(0));
    }

    /** Runs {@code answer} once the state shows the store exists; a store that does not gets STORE_NOT_FOUND. */
    private void storeMustExist(RoutingContext ctx, String store, Runnable answer) {
        reads.read(ctx, store, 0, view -> Boolean.TRUE, snapshot -> answer.run());
    }

    /**
     * The store's task is not active here (starting, or moving between instances): tries again shortly,
     * up to the request's deadline, then answers UNAVAILABLE.
     */
    private void retryWhileMoving(RoutingContext ctx, String store, long deadlineNanos, Runnable retry) {
        if (System.nanoTime() >= deadlineNanos) {
            ctx.fail(new ApiException(ErrorCode.UNAVAILABLE, "store " + store
                    + " is moving between DKV instances or starting; retry shortly (its leases keep a full TTL across the move)"));
        } else {
            vertx.setTimer(NOT_HERE_RETRY_MS, t -> retry.run());
        }
    }

    /**
     * POST /v1/stores/{store}/leases/refresh {@code {"ids": ["…", …]}} → {@code {"refreshed": [{"id","ttlMs"}…],
     * "notFound": ["…"]}}: refreshes many leases of the store in one request, each on its own (one not
     * found does not stop the others), so a client holding many leases pays one round trip per period,
     * as etcd's keep-alive stream does. At most {@code --max-page-size} ids.
     */
    public void refreshMany(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireStore(ctx, Action.LEASE, store);
        Http.query(ctx);
        List<Long> ids = ids(ctx);
        OptionalInt partition = owners.localPartitionOrForward(store, owner -> forwarder.forward(ctx, owner));
        if (partition.isPresent()) {
            refreshManyHere(ctx, store, partition.getAsInt(), ids, new JsonArray(), new JsonArray(), System.nanoTime() + timeout.toNanos());
        }
    }

    private void refreshManyHere(RoutingContext ctx, String store, int partition, List<Long> ids, JsonArray refreshed, JsonArray notFound,
            long deadlineNanos) {
        long now = System.currentTimeMillis();
        List<Long> notHere = new ArrayList<>();
        for (long id : ids) {
            LeaseId lease = new LeaseId(store, id);
            switch (live.refresh(partition, lease, now)) {
                case REFRESHED -> refreshed.add(refreshed(live, partition, lease, now));
                case NOT_FOUND -> notFound.add(Long.toString(id));
                case NOT_HERE -> notHere.add(id);
            }
        }
        if (!notHere.isEmpty()) {
            retryWhileMoving(ctx, store, deadlineNanos, () -> refreshManyHere(ctx, store, partition, notHere, refreshed, notFound, deadlineNanos));
            return;
        }
        JsonObject body = new JsonObject().put("refreshed", refreshed).put("notFound", notFound);
        if (!refreshed.isEmpty()) {
            Http.json(ctx, 200, body);
        } else {
            storeMustExist(ctx, store, () -> Http.json(ctx, 200, body));
        }
    }

    private List<Long> ids(RoutingContext ctx) {
        JsonObject json = Http.jsonBody(ctx, Set.of("ids"), "a refresh of many leases is {\"ids\": [\"<lease id>\", …]}");
        if (!(json.getValue("ids") instanceof JsonArray array)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "ids must be an array of lease ids");
        }
        if (array.isEmpty() || array.size() > limits.maxPageSize()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "give 1 to " + limits.maxPageSize() + " lease ids (--max-page-size); got " + array.size());
        }
        List<Long> ids = new ArrayList<>(array.size());
        for (Object id : array) {
            ids.add(Http.parseLease(id instanceof String s ? s : String.valueOf(id), "ids"));
        }
        return ids;
    }

    /**
     * GET /v1/stores/{store}/leases/{id}[?keys=true] → its granted and remaining TTL, key count and,
     * with {@code keys}, the attached keys (at most the largest list page).
     */
    public void describe(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireStore(ctx, Action.LEASE, store);
        QueryParams query = Http.query(ctx, "keys");
        boolean withKeys = query.bool("keys", false);
        long id = leaseId(ctx);
        long minRevision = Http.revisionHeader(ctx, Http.MIN_REVISION_HEADER, 0);
        int maxKeys = limits.maxPageSize();
        reads.read(ctx, store, minRevision, view -> {
            Lease lease = view.lease(id);
            return new Described(lease, lease != null && withKeys ? view.leaseKeys(lease, maxKeys + 1) : List.of());
        }, snapshot -> {
            Lease lease = snapshot.value().lease();
            if (lease == null) {
                throw leaseNotFound(store, id);
            }
            JsonObject body = render(store, partitionOf(store), lease).put("revision", snapshot.revision());
            if (withKeys) {
                List<byte[]> keys = snapshot.value().keys();
                JsonArray items = new JsonArray();
                keys.stream().limit(maxKeys).forEach(key -> {
                    JsonObject item = new JsonObject();
                    Http.bytes(item, "key", key);
                    items.add(item);
                });
                body.put("keys", items).put("keysTruncated", keys.size() > maxKeys);
            }
            Http.revision(ctx.response(), snapshot.revision());
            Http.json(ctx, 200, body);
        });
    }

    /** GET /v1/stores/{store}/leases?limit=&cursor= → the store's leases in id order, a page at a time. */
    public void list(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireStore(ctx, Action.LEASE, store);
        QueryParams query = Http.query(ctx, "limit", "cursor");
        int limit = Http.pageSize(query.string("limit"), limits);
        String cursor = query.string("cursor");
        long after = cursor == null || cursor.isEmpty() ? 0 : cursor(cursor);
        long minRevision = Http.revisionHeader(ctx, Http.MIN_REVISION_HEADER, 0);
        reads.read(ctx, store, minRevision, view -> view.leases(after, limit), snapshot -> {
            LeaseRows.Page page = snapshot.value();
            int partition = partitionOf(store);
            JsonArray items = new JsonArray();
            page.leases().forEach(lease -> items.add(render(store, partition, lease)));
            JsonObject body = new JsonObject().put("revision", snapshot.revision()).put("leases", items).put("more", page.more());
            if (page.more()) {
                body.put("cursor", Long.toString(page.leases().get(page.leases().size() - 1).getId()));
            }
            Http.revision(ctx.response(), snapshot.revision());
            Http.json(ctx, 200, body);
        });
    }

    /** DELETE /v1/stores/{store}/leases/{id}: ends the lease now; its keys are deleted at one revision. */
    public void revoke(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireStore(ctx, Action.LEASE, store);
        Http.query(ctx);
        long id = leaseId(ctx);
        Command command = Commands.builder(ctx, store, CommandType.LEASE_REVOKE)
                .setLease(LeaseRequest.newBuilder().setId(id).build()).build();
        Commands.respond(vertx, bus, timeout, ctx, command, reply -> {
            Http.revision(ctx.response(), reply.getRevision());
            Http.json(ctx, 200, new JsonObject().put("id", Long.toString(id)).put("revoked", true).put("revision", reply.getRevision()));
        });
    }

    private record Described(Lease lease, List<byte[]> keys) {
    }

    /** A lease as the API shows it; the remaining TTL comes from this instance, which owns the store. */
    private JsonObject render(String store, int partition, Lease lease) {
        long remaining = live.remainingMs(partition, new LeaseId(store, lease.getId()), System.currentTimeMillis()).orElse(0);
        return new JsonObject().put("id", Long.toString(lease.getId())).put("ttlMs", lease.getTtlMs())
                .put("remainingMs", remaining).put("grantedAtMs", lease.getGrantedAtMs()).put("keyCount", lease.getKeyCount());
    }

    private int partitionOf(String store) {
        return owners.ownerOf(store) instanceof Owners.Local local ? local.partition() : -1;
    }

    private static long leaseId(RoutingContext ctx) {
        return Http.parseLease(ctx.pathParam("id"), "the lease id in the path");
    }

    private static long cursor(String cursor) {
        try {
            return Http.parseLease(cursor, "cursor");
        } catch (ApiException e) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not one DKV returned; start the listing again without it");
        }
    }

    /** LEASE_NOT_FOUND for {@code id} of {@code store}, with what to do. */
    static ApiException leaseNotFound(String store, long id) {
        return new ApiException(ErrorCode.LEASE_NOT_FOUND, "store " + store + " has no lease " + id
                + " (it was never granted there, was revoked, or expired); grant a new one");
    }
}
