package io.dkv.gateway.kv;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.Limits;
import io.dkv.gateway.internals.CommandBus;
import io.dkv.gateway.internals.Commands;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.OwnerReads;
import io.dkv.gateway.internals.QueryParams;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.Compare;
import io.dkv.schemas.CompareOp;
import io.dkv.schemas.CompareTarget;
import io.dkv.schemas.KeyValue;
import io.dkv.schemas.LockHandle;
import io.dkv.schemas.Op;
import io.dkv.schemas.OpResult;
import io.dkv.schemas.OpType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Txn;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/**
 * The key-value routes: get, put, delete, list by prefix and transactions on one store. Writes
 * become TXN commands (a plain put is a transaction with an optional compare); reads go to the
 * owning instance's state. Handlers never block: commands are asynchronous, reads run on workers.
 */
public final class KvHandlers {
    private final Vertx vertx;
    private final CommandBus bus;
    private final OwnerReads reads;
    private final Limits limits;
    private final Duration timeout;
    private final TxnJson txnJson;

    public KvHandlers(Vertx vertx, CommandBus bus, OwnerReads reads, Limits limits, Duration timeout) {
        this.vertx = vertx;
        this.bus = bus;
        this.reads = reads;
        this.limits = limits;
        this.timeout = timeout;
        this.txnJson = new TxnJson(limits);
    }

    /**
     * GET /v1/stores/{store}/kv/{key}: the value as bytes, or its JSON view. With DKV-Lock the read goes
     * through the log as a transaction's get, so it fails with 423 LOCKED unless the handle is the
     * current holder's at that point of the store's order.
     */
    public void get(RoutingContext ctx) {
        String store = Http.store(ctx);
        byte[] key = key(ctx);
        Access.require(ctx, Action.READ, store, key);
        boolean json = Http.wantsJson(ctx, Http.query(ctx, "view"));
        long minRevision = Http.revisionHeader(ctx, Http.MIN_REVISION_HEADER, 0);
        LockHandle lock = Http.lockHeader(ctx);
        if (lock != null) {
            Op get = Op.newBuilder().setType(OpType.GET).setKey(ByteBuffer.wrap(key)).setLock(lock).build();
            Txn txn = Txn.newBuilder().setSuccess(List.of(get)).build();
            reply(ctx, Commands.of(ctx, store, CommandType.TXN, txn),
                    reply -> render(ctx, store, key, reply.getResults().get(0).getCurrent(), reply.getRevision(), json));
            return;
        }
        reads.read(ctx, store, minRevision, view -> view.get(key),
                snapshot -> render(ctx, store, key, snapshot.value(), snapshot.revision(), json));
    }

    private static void render(RoutingContext ctx, String store, byte[] key, KeyValue entry, long revision, boolean json) {
        Http.revision(ctx.response(), revision);
        if (entry == null) {
            throw new ApiException(ErrorCode.KEY_NOT_FOUND, "key not found in store " + store,
                    new JsonObject().put("revision", revision));
        }
        ctx.response().putHeader("ETag", Http.etag(entry.getModRevision()))
                .putHeader("DKV-Mod-Revision", Long.toString(entry.getModRevision()))
                .putHeader("DKV-Create-Revision", Long.toString(entry.getCreateRevision()))
                .putHeader("DKV-Version", Long.toString(entry.getVersion()));
        if (entry.getLease() != 0) {
            ctx.response().putHeader(Http.LEASE_HEADER, Long.toString(entry.getLease()));
        }
        if (json) {
            Http.json(ctx, 200, Http.entry(key, entry).put("revision", revision));
        } else {
            ctx.response().putHeader("Content-Type", "application/octet-stream")
                    .end(Buffer.buffer(Http.array(entry.getValue())));
        }
    }

    /** GET /v1/stores/{store}/kv?prefix=&limit=&cursor=: keys and values under a prefix, a page at a time. */
    public void list(RoutingContext ctx) {
        String store = Http.store(ctx);
        QueryParams query = Http.query(ctx, "prefix", "limit", "cursor");
        byte[] prefix = query.bytes("prefix") == null ? new byte[0] : query.bytes("prefix");
        if (prefix.length > limits.maxKeyBytes()) {
            throw new ApiException(ErrorCode.KEY_TOO_LARGE, "a prefix is a key: at most " + limits.maxKeyBytes() + " bytes; this one has " + prefix.length);
        }
        int limit = Http.pageSize(query.string("limit"), limits);
        Access.require(ctx, Action.READ, store, prefix);
        byte[] startAfter = cursor(query.string("cursor"), prefix);
        long minRevision = Http.revisionHeader(ctx, Http.MIN_REVISION_HEADER, 0);
        reads.read(ctx, store, minRevision, view -> view.list(prefix, startAfter, limit), snapshot -> {
            JsonArray items = new JsonArray();
            snapshot.value().entries().forEach(e -> items.add(Http.entry(e.key(), e.entry())));
            JsonObject body = new JsonObject().put("revision", snapshot.revision()).put("items", items)
                    .put("more", snapshot.value().more());
            if (snapshot.value().more()) {
                byte[] last = snapshot.value().entries().get(snapshot.value().entries().size() - 1).key();
                body.put("cursor", Base64.getUrlEncoder().withoutPadding().encodeToString(last));
            }
            Http.revision(ctx.response(), snapshot.revision());
            Http.json(ctx, 200, body);
        });
    }

    /**
     * PUT /v1/stores/{store}/kv/{key}: sets the value; If-Match / If-None-Match make it a compare-and-set;
     * DKV-Lease attaches the key to a lease of the store (a put without it detaches the key); a locked
     * key needs DKV-Lock with the holder's handle (else 423 LOCKED).
     */
    public void put(RoutingContext ctx) {
        String store = Http.store(ctx);
        byte[] key = key(ctx);
        Access.require(ctx, Action.WRITE, store, key);
        Http.query(ctx);
        byte[] value = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        if (value.length > limits.maxValueBytes()) {
            throw new ApiException(ErrorCode.VALUE_TOO_LARGE, "values are limited to " + limits.maxValueBytes()
                    + " bytes; this one has " + value.length);
        }
        List<Compare> compares = conditions(ctx, key);
        String lease = ctx.request().getHeader(Http.LEASE_HEADER);
        Op put = Op.newBuilder().setType(OpType.PUT).setKey(ByteBuffer.wrap(key)).setValue(ByteBuffer.wrap(value))
                .setLease(lease == null ? 0 : Http.parseLease(lease.trim(), Http.LEASE_HEADER)).setLock(Http.lockHeader(ctx)).build();
        send(ctx, store, compares, List.of(put), key, reply -> {
            OpResult result = reply.getResults().get(0);
            KeyValue current = result.getCurrent();
            Http.revision(ctx.response(), reply.getRevision());
            ctx.response().putHeader("ETag", Http.etag(current.getModRevision()));
            JsonObject body = new JsonObject();
            Http.bytes(body, "key", key);
            body.mergeIn(Http.revisions(current)).put("revision", reply.getRevision()).put("created", result.getPrevious() == null);
            Http.json(ctx, result.getPrevious() == null ? 201 : 200, body);
        });
    }

    /** DELETE /v1/stores/{store}/kv/{key}: removes the key; If-Match makes it conditional. */
    public void delete(RoutingContext ctx) {
        String store = Http.store(ctx);
        byte[] key = key(ctx);
        Access.require(ctx, Action.WRITE, store, key);
        Http.query(ctx);
        List<Compare> compares = conditions(ctx, key);
        Op delete = Op.newBuilder().setType(OpType.DELETE).setKey(ByteBuffer.wrap(key)).setLock(Http.lockHeader(ctx)).build();
        send(ctx, store, compares, List.of(delete), key, reply -> {
            KeyValue previous = reply.getResults().get(0).getPrevious();
            Http.revision(ctx.response(), reply.getRevision());
            if (previous == null) {
                throw new ApiException(ErrorCode.KEY_NOT_FOUND, "key not found in store " + store,
                        new JsonObject().put("revision", reply.getRevision()));
            }
            Http.json(ctx, 200, new JsonObject().put("revision", reply.getRevision()).put("deleted", 1)
                    .put("prevModRevision", previous.getModRevision()));
        });
    }

    /** POST /v1/stores/{store}/txn: compare → then / else, atomically at one revision. */
    public void txn(RoutingContext ctx) {
        String store = Http.store(ctx);
        Http.query(ctx);
        Txn txn = txnJson.parse(ctx.body().buffer());
        requireTxn(ctx, store, txn);
        Command command = Commands.of(ctx, store, CommandType.TXN, txn);
        reply(ctx, command, reply -> {
            Http.revision(ctx.response(), reply.getRevision());
            Http.json(ctx, 200, txnJson.render(reply));
        });
    }

    /** A transaction reads every compare and get key and writes every put and delete key, of both branches. */
    private static void requireTxn(RoutingContext ctx, String store, Txn txn) {
        for (Compare compare : txn.getCompare()) {
            Access.require(ctx, Action.READ, store, Http.array(compare.getKey()));
        }
        for (List<Op> branch : List.of(txn.getSuccess(), txn.getFailure())) {
            for (Op op : branch) {
                Access.require(ctx, op.getType() == OpType.GET ? Action.READ : Action.WRITE, store, Http.array(op.getKey()));
            }
        }
    }

    private void send(RoutingContext ctx, String store, List<Compare> compares, List<Op> ops, byte[] key, Consumer<Reply> onSuccess) {
        Op current = Op.newBuilder().setType(OpType.GET).setKey(ByteBuffer.wrap(key)).build();
        Txn txn = Txn.newBuilder().setCompare(compares).setSuccess(ops).setFailure(compares.isEmpty() ? List.of() : List.of(current)).build();
        reply(ctx, Commands.of(ctx, store, CommandType.TXN, txn), reply -> {
            if (!reply.getSucceeded()) {
                KeyValue entry = reply.getResults().isEmpty() ? null : reply.getResults().get(0).getCurrent();
                Http.revision(ctx.response(), reply.getRevision());
                throw new ApiException(ErrorCode.PRECONDITION_FAILED, "the condition on the key does not hold",
                        new JsonObject().put("revision", reply.getRevision())
                                .put("modRevision", entry == null ? 0 : entry.getModRevision()));
            }
            onSuccess.accept(reply);
        });
    }

    private void reply(RoutingContext ctx, Command command, Consumer<Reply> onOk) {
        Commands.respond(vertx, bus, timeout, ctx, command, onOk);
    }

    /** If-Match and If-None-Match as compare clauses on the key. */
    private static List<Compare> conditions(RoutingContext ctx, byte[] key) {
        List<Compare> compares = new ArrayList<>();
        String ifMatch = ctx.request().getHeader("If-Match");
        String ifNoneMatch = ctx.request().getHeader("If-None-Match");
        if (ifMatch != null && ifNoneMatch != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "use If-Match or If-None-Match, not both");
        }
        if (ifMatch != null) {
            if (ifMatch.trim().equals("*")) {
                compares.add(compare(key, CompareTarget.CREATE_REVISION, CompareOp.GREATER, 0));
            } else {
                compares.add(compare(key, CompareTarget.MOD_REVISION, CompareOp.EQUAL, Http.parseRevision(ifMatch.trim(), "If-Match")));
            }
        }
        if (ifNoneMatch != null) {
            if (!ifNoneMatch.trim().equals("*")) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "only If-None-Match: * (create if absent) is supported on writes");
            }
            compares.add(compare(key, CompareTarget.CREATE_REVISION, CompareOp.EQUAL, 0));
        }
        return compares;
    }

    private static Compare compare(byte[] key, CompareTarget target, CompareOp op, long number) {
        return Compare.newBuilder().setKey(ByteBuffer.wrap(key)).setTarget(target).setOp(op).setNumber(number).build();
    }

    private byte[] key(RoutingContext ctx) {
        return Http.pathKey(ctx, "kv", "", limits);
    }

    private static byte[] cursor(String cursor, byte[] prefix) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        byte[] key;
        try {
            key = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor is not one DKV returned; start the listing again without it");
        }
        if (key.length < prefix.length || !java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
            throw new ApiException(ErrorCode.INVALID_CURSOR, "cursor belongs to another prefix; start the listing again without it");
        }
        return key;
    }
}
