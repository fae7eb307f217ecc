package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dkv.client.Codec;
import io.dkv.client.kv.Delete;
import io.dkv.client.kv.Entry;
import io.dkv.client.kv.Get;
import io.dkv.client.kv.Kv;
import io.dkv.client.kv.KvResult;
import io.dkv.client.kv.KvStatus;
import io.dkv.client.kv.Page;
import io.dkv.client.kv.Put;
import io.dkv.client.kv.Txn;
import io.dkv.client.kv.TxnResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** {@link Kv} over the gateway's {@code /kv} and {@code /txn} endpoints. Thread-safe. */
public final class HttpKv<T> implements Kv<T> {
    private final Transport transport;
    private final Codec<T> codec;
    private final String base;

    public HttpKv(Transport transport, Codec<T> codec) {
        this.transport = transport;
        this.codec = codec;
        this.base = "/v1/stores/" + transport.settings().store();
    }

    @Override
    public CompletableFuture<KvResult<T>> putAsync(String key, T value, Put... options) {
        Put put = Put.merge(options);
        byte[] bytes = codec.encode(value);
        Call call = Call.write("PUT", keyPath(key)).body(bytes, "application/octet-stream")
                .header("DKV-Lock", put.lockOption()).timeout(put.timeoutOption());
        if (put.ifAbsentOption()) {
            call.header("If-None-Match", "*");
        } else if (put.ifPresentOption()) {
            call.header("If-Match", "*");
        } else if (put.ifRevisionOption() != null) {
            call.header("If-Match", "\"" + put.ifRevisionOption() + "\"");
        }
        if (put.leaseOption() != 0) {
            call.header("DKV-Lease", Long.toString(put.leaseOption()));
        }
        return transport.send(call).thenApply(response -> {
            JsonNode body = response.json();
            return switch (response.status()) {
                case 200, 201 -> new KvResult<>(KvStatus.OK, Json.number(body, "revision"),
                        new Entry<>(key.getBytes(StandardCharsets.UTF_8), value, Json.number(body, "createRevision"),
                                Json.number(body, "modRevision"), Json.number(body, "version"), Json.lease(body, "lease")),
                        response.status() == 201, 0);
                default -> notWritten(response);
            };
        });
    }

    @Override
    public CompletableFuture<KvResult<T>> getAsync(String key, Get... options) {
        Get get = Get.merge(options);
        Call call = Call.read(keyPath(key)).header("DKV-Lock", get.lockOption()).timeout(get.timeoutOption());
        if (get.minRevisionOption() > 0) {
            call.header("DKV-Min-Revision", Long.toString(Math.max(get.minRevisionOption(), transport.seenRevision())));
        }
        return transport.send(call).thenApply(response -> {
            if (response.status() == 200) {
                Entry<T> entry = new Entry<>(key.getBytes(StandardCharsets.UTF_8), codec.decode(response.body()),
                        response.longHeader("DKV-Create-Revision"), response.longHeader("DKV-Mod-Revision"),
                        response.longHeader("DKV-Version"), response.longHeader("DKV-Lease"));
                return new KvResult<>(KvStatus.OK, response.longHeader("DKV-Revision"), entry, false, 0);
            }
            return notWritten(response);
        });
    }

    @Override
    public CompletableFuture<KvResult<T>> deleteAsync(String key, Delete... options) {
        Delete delete = Delete.merge(options);
        Call call = Call.write("DELETE", keyPath(key)).header("DKV-Lock", delete.lockOption()).timeout(delete.timeoutOption());
        if (delete.ifRevisionOption() != null) {
            call.header("If-Match", "\"" + delete.ifRevisionOption() + "\"");
        }
        return transport.send(call).thenApply(response -> response.status() == 200
                ? new KvResult<>(KvStatus.OK, Json.number(response.json(), "revision"), null, false,
                        Json.number(response.json(), "prevModRevision"))
                : notWritten(response));
    }

    /** The expected refusals of a KV call as a result; anything else as the failure it is. */
    private KvResult<T> notWritten(Response response) {
        long revision = Json.number(response.json(), "revision");
        if (response.is(404, "KEY_NOT_FOUND")) {
            return new KvResult<>(KvStatus.NOT_FOUND, revision, null, false, 0);
        }
        if (response.is(412, "PRECONDITION_FAILED")) {
            return new KvResult<>(KvStatus.PRECONDITION_FAILED, revision, null, false, Json.number(response.json(), "modRevision"));
        }
        if (response.is(423, "LOCKED")) {
            return new KvResult<>(KvStatus.LOCKED, revision, null, false, 0);
        }
        throw response.failure();
    }

    @Override
    public CompletableFuture<Page<T>> listPageAsync(String prefix, String cursor, int limit) {
        StringBuilder path = new StringBuilder(base).append("/kv?prefix=").append(PathEncoding.encode(prefix));
        if (limit > 0) {
            path.append("&limit=").append(limit);
        }
        if (cursor != null) {
            path.append("&cursor=").append(PathEncoding.encode(cursor));
        }
        return transport.send(Call.read(path.toString())).thenApply(response -> {
            if (response.status() != 200) {
                throw response.failure();
            }
            JsonNode body = response.json();
            List<Entry<T>> entries = new ArrayList<>();
            body.path("items").forEach(item -> entries.add(Entries.of(item, "value", codec)));
            return new Page<>(List.copyOf(entries), Json.number(body, "revision"),
                    body.path("more").asBoolean() ? Json.string(body, "cursor") : null);
        });
    }

    @Override
    public Txn<T> txn() {
        return new HttpTxn();
    }

    private String keyPath(String key) {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("a key is at least one byte");
        }
        return base + "/kv/" + PathEncoding.encode(key);
    }

    /** The transaction body, built as the caller adds compares and ops. */
    private final class HttpTxn implements Txn<T> {
        private final ArrayNode compare = Json.object().arrayNode();
        private final ArrayNode then = Json.object().arrayNode();
        private final ArrayNode orElse = Json.object().arrayNode();

        private Txn<T> compare(String key, String target, Cmp cmp, JsonNode value) {
            ObjectNode clause = Json.putBytes(Json.object(), "key", key.getBytes(StandardCharsets.UTF_8))
                    .put("target", target).put("op", cmp.symbol());
            if (value.isBinary()) {
                Json.putBytes(clause, "value", codecBytes(value));
            } else {
                clause.set("value", value);
            }
            compare.add(clause);
            return this;
        }

        private byte[] codecBytes(JsonNode binary) {
            try {
                return binary.binaryValue();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Txn<T> ifValue(String key, Cmp cmp, T value) {
            return compare(key, "value", cmp, Json.object().binaryNode(codec.encode(value)));
        }

        @Override
        public Txn<T> ifVersion(String key, Cmp cmp, long version) {
            return compare(key, "version", cmp, Json.object().numberNode(version));
        }

        @Override
        public Txn<T> ifModRevision(String key, Cmp cmp, long modRevision) {
            return compare(key, "modRevision", cmp, Json.object().numberNode(modRevision));
        }

        @Override
        public Txn<T> ifCreateRevision(String key, Cmp cmp, long createRevision) {
            return compare(key, "createRevision", cmp, Json.object().numberNode(createRevision));
        }

        @Override
        public Txn<T> ifLease(String key, Cmp cmp, long leaseId) {
            return compare(key, "lease", cmp, Json.object().numberNode(leaseId));
        }

        private ObjectNode op(String op, String key) {
            return Json.putBytes(Json.object().put("op", op), "key", key.getBytes(StandardCharsets.UTF_8));
        }

        private ObjectNode put(String key, T value, Put... options) {
            Put put = Put.merge(options);
            ObjectNode op = Json.putBytes(op("put", key), "value", codec.encode(value));
            if (put.leaseOption() != 0) {
                op.put("lease", Long.toString(put.leaseOption()));
            }
            if (put.lockOption() != null) {
                op.put("lock", put.lockOption());
            }
            return op;
        }

        private ObjectNode delete(String key, Delete... options) {
            Delete delete = Delete.merge(options);
            ObjectNode op = op("delete", key);
            if (delete.lockOption() != null) {
                op.put("lock", delete.lockOption());
            }
            return op;
        }

        @Override
        public Txn<T> thenPut(String key, T value, Put... options) {
            then.add(put(key, value, options));
            return this;
        }

        @Override
        public Txn<T> thenDelete(String key, Delete... options) {
            then.add(delete(key, options));
            return this;
        }

        @Override
        public Txn<T> thenGet(String key) {
            then.add(op("get", key));
            return this;
        }

        @Override
        public Txn<T> orElsePut(String key, T value, Put... options) {
            orElse.add(put(key, value, options));
            return this;
        }

        @Override
        public Txn<T> orElseDelete(String key, Delete... options) {
            orElse.add(delete(key, options));
            return this;
        }

        @Override
        public Txn<T> orElseGet(String key) {
            orElse.add(op("get", key));
            return this;
        }

        @Override
        public CompletableFuture<TxnResult<T>> commitAsync() {
            ObjectNode body = Json.object();
            body.set("compare", compare);
            body.set("then", then);
            body.set("else", orElse);
            return transport.send(Call.write("POST", base + "/txn").json(body)).thenApply(response -> {
                if (response.is(423, "LOCKED")) {
                    return new TxnResult<>(KvStatus.LOCKED, false, Json.number(response.json(), "revision"), List.of());
                }
                if (response.status() != 200) {
                    throw response.failure();
                }
                JsonNode json = response.json();
                List<TxnResult.OpResult<T>> results = new ArrayList<>();
                for (JsonNode item : json.path("results")) {
                    String op = Json.string(item, "op");
                    String key = new String(Json.bytes(item, "key"), StandardCharsets.UTF_8);
                    results.add(switch (op) {
                        case "put" -> new TxnResult.OpResult<>(op, key, null, Json.number(item, "modRevision"), item.path("created").asBoolean());
                        case "delete" -> new TxnResult.OpResult<>(op, key, null, 0, Json.number(item, "deleted") > 0);
                        default -> {
                            boolean found = item.path("found").asBoolean();
                            yield new TxnResult.OpResult<>(op, key, found ? Entries.of(item, "value", codec) : null,
                                    Json.number(item, "modRevision"), found);
                        }
                    });
                }
                return new TxnResult<>(KvStatus.OK, json.path("succeeded").asBoolean(), Json.number(json, "revision"), List.copyOf(results));
            });
        }
    }
}
