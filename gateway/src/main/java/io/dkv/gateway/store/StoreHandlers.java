package io.dkv.gateway.store;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.auth.AuditLog;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.internals.CommandBus;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.Owners;
import io.dkv.gateway.internals.ReadForwarder;
import io.dkv.gateway.internals.StateReader;
import io.dkv.gateway.internals.Commands;
import io.dkv.kafka.DkvTopics;
import io.dkv.kafka.TopicManager;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.schemas.StoreMeta;
import io.dkv.streams.StoreEntries;
import io.dkv.streams.StreamsNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * The store routes: create, list, describe and delete named stores. A store's change topic is
 * created before the store exists in the log and deleted after the store is gone from it, so the
 * processor never writes to a missing topic. A delete keeps the store's name taken while it deletes
 * the topic ({@code DELETE_STORE}, then {@code RELEASE_STORE_NAME}), so a create of that name
 * cannot commit in between and lose its topic to the delete.
 */
public final class StoreHandlers {
    private final Vertx vertx;
    private final CommandBus bus;
    private final StateReader reader;
    private final Owners owners;
    private final ReadForwarder forwarder;
    private final TopicManager topicManager;
    private final DkvTopics topics;
    private final StreamsNode node;
    private final Duration timeout;

    public StoreHandlers(Vertx vertx, CommandBus bus, StateReader reader, Owners owners, ReadForwarder forwarder,
            TopicManager topicManager, DkvTopics topics, StreamsNode node, Duration timeout) {
        this.vertx = vertx;
        this.bus = bus;
        this.reader = reader;
        this.owners = owners;
        this.forwarder = forwarder;
        this.topicManager = topicManager;
        this.topics = topics;
        this.node = node;
        this.timeout = timeout;
    }

    /**
     * PUT /v1/stores/{store}: 201 when created, 200 when it already existed, 409 while a delete of
     * the name has not finished, or when the store does not exist but its change topic holds records
     * (of an earlier store of that name, or of another producer), which a new store would take for
     * its own.
     */
    public void create(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireStore(ctx, Action.ADMIN, store);
        Http.query(ctx);
        Command command = Commands.of(ctx, store, CommandType.CREATE_STORE, null);
        vertx.executeBlocking(() -> {
            boolean hadRecords = topicManager.changeTopicHasRecords(store);
            ensureChangeTopic(store);
            return hadRecords;
        }, false).compose(hadRecords -> hadRecords ? refuseEarlierRecords(store) : Future.<Void>succeededFuture())
                .compose(v -> send(command))
                // A delete of the name whose topic deletion ran after the check above released the
                // name before this create committed: the topic is then gone, and made again here.
                .compose(reply -> reply.getStatus() != Status.OK ? Future.succeededFuture(reply)
                        : vertx.executeBlocking(() -> {
                            ensureChangeTopic(store);
                            return reply;
                        }, false))
                .onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Reply reply = ar.result();
            if (reply.getStatus() == Status.CONFLICT) {
                ctx.fail(new ApiException(ErrorCode.STORE_BEING_DELETED, "a delete of store " + store
                        + " has not finished; DELETE /v1/stores/" + store + " to finish it, then create the store again"));
                return;
            }
            boolean created = reply.getStatus() == Status.OK;
            if (!created && reply.getStatus() != Status.ALREADY_EXISTS) {
                Commands.check(reply);
            }
            if (created) {
                AuditLog.storeChanged(Access.of(ctx), "create", store);
            }
            Http.revision(ctx.response(), reply.getRevision());
            Http.json(ctx, created ? 201 : 200, new JsonObject().put("name", store).put("created", created)
                    .put("revision", reply.getRevision()).put("changeTopic", topics.changes(store)));
        });
    }

    private void ensureChangeTopic(String store) {
        try {
            topicManager.ensureChangeTopic(store);
        } catch (TopicManager.TopicConfigException e) {
            throw new ApiException(ErrorCode.TOPIC_MISCONFIGURED, e.getMessage());
        }
    }

    /**
     * Fails if the store does not exist: the records its change topic held before this check were
     * then all written before the store's last delete, as the SYNC is appended after the check.
     */
    private Future<Void> refuseEarlierRecords(String store) {
        return send(CommandBus.syncCommand(store)).compose(reply -> reply.getStatus() != Status.NOT_FOUND ? Future.succeededFuture()
                : Future.failedFuture(new ApiException(ErrorCode.CHANGE_TOPIC_NOT_EMPTY, "the change topic " + topics.changes(store)
                        + " holds records of an earlier store named " + store + " (a delete that did not finish, or another "
                        + "producer), which a new store would serve as its own; DELETE /v1/stores/" + store
                        + " deletes the topic, then create the store again")));
    }

    /**
     * DELETE /v1/stores/{store}: removes the store, its keys and its change topic, then frees the
     * name. Also finishes a delete that stopped halfway. For a name without a store it answers 404,
     * after deleting any change topic an earlier store of that name left behind.
     */
    public void delete(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireStore(ctx, Action.ADMIN, store);
        Http.query(ctx);
        send(Commands.of(ctx, store, CommandType.DELETE_STORE, null)).compose(reply -> {
            if (reply.getStatus() != Status.NOT_FOUND) {
                Commands.check(reply);
            }
            return vertx.executeBlocking(() -> {
                topicManager.deleteChangeTopic(store);
                return reply;
            }, false);
        }).compose(reply -> send(CommandBus.releaseStoreNameCommand(store)).map(reply)).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            if (ar.result().getStatus() == Status.NOT_FOUND) {
                ctx.fail(new ApiException(ErrorCode.STORE_NOT_FOUND, "store " + store + " does not exist (a change topic "
                        + topics.changes(store) + " left by an earlier store of that name is deleted)"));
                return;
            }
            AuditLog.storeChanged(Access.of(ctx), "delete", store);
            Http.json(ctx, 200, new JsonObject().put("name", store).put("deleted", true));
        });
    }

    /** GET /v1/stores/{store}: revision, key count, creation time, change topic and the instance that owns it. */
    public void describe(RoutingContext ctx) {
        String store = Http.store(ctx);
        Access.requireSees(ctx, store);
        Http.query(ctx);
        long minRevision = Http.revisionHeader(ctx, Http.MIN_REVISION_HEADER, 0);
        OptionalInt partition = owners.localPartitionOrForward(store, owner -> forwarder.forward(ctx, owner));
        if (partition.isEmpty()) {
            return;
        }
        reader.read(store, partition.getAsInt(), minRevision, view -> null).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Http.revision(ctx.response(), ar.result().revision());
            // The instance that answers a describe is the store's owner (a describe is forwarded there).
            Http.json(ctx, 200, info(store, ar.result().meta()).put("owner", owners.self().host() + ":" + owners.self().port()));
        });
    }

    /**
     * GET /v1/stores: every store, gathered from the meta stores of all instances. With
     * {@code ?scope=local} (what instances ask each other) only this instance's stores.
     */
    public void list(RoutingContext ctx) {
        boolean localOnly = Http.query(ctx, "scope").oneOf("scope", "all", Set.of("all", "local")).equals("local");
        Future<List<JsonObject>> local = vertx.executeBlocking(this::localStores, false);
        List<Future<List<JsonObject>>> parts = new ArrayList<>();
        parts.add(local);
        if (!localOnly) {
            for (StreamsMetadata instance : node.instances()) {
                if (!instance.hostInfo().equals(owners.self())) {
                    parts.add(remoteStores(instance, ctx));
                }
            }
        }
        Future.all(parts).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Access access = Access.of(ctx);
            TreeMap<String, JsonObject> byName = new TreeMap<>();
            for (Future<List<JsonObject>> part : parts) {
                part.result().stream().filter(s -> access.seesStore(s.getString("name"))).forEach(s -> byName.put(s.getString("name"), s));
            }
            Http.json(ctx, 200, new JsonObject().put("stores", new JsonArray(new ArrayList<>(byName.values()))));
        });
    }

    private List<JsonObject> localStores() {
        List<JsonObject> stores = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = node.localMetaStores().all()) {
            it.forEachRemaining(entry -> {
                StoreMeta meta = StoreEntries.liveStore(entry.value);
                if (meta != null) {
                    stores.add(info(entry.key, meta));
                }
            });
        }
        return stores;
    }

    /** The stores of another instance, asked for as the caller. */
    private Future<List<JsonObject>> remoteStores(StreamsMetadata instance, RoutingContext caller) {
        return forwarder.getJson(instance.hostInfo(), "/v1/stores?scope=local", caller).map(body -> {
            List<JsonObject> out = new ArrayList<>();
            body.getJsonArray("stores").forEach(s -> out.add((JsonObject) s));
            return out;
        }).recover(e -> Future.failedFuture(new ApiException(ErrorCode.UNAVAILABLE,
                "DKV instance " + instance.host() + ":" + instance.port() + " did not list its stores: " + e.getMessage())));
    }

    private JsonObject info(String store, StoreMeta meta) {
        return new JsonObject().put("name", store).put("revision", meta.getRevision()).put("keys", meta.getKeyCount())
                .put("createdAt", Instant.ofEpochMilli(meta.getCreatedAtMs()).toString()).put("changeTopic", topics.changes(store));
    }

    private Future<Reply> send(Command command) {
        return Commands.send(vertx, bus, command, timeout);
    }
}
