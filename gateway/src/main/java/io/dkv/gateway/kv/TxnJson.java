package io.dkv.gateway.kv;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.Limits;
import io.dkv.gateway.internals.Http;
import io.dkv.schemas.Compare;
import io.dkv.schemas.CompareOp;
import io.dkv.schemas.CompareTarget;
import io.dkv.schemas.KeyValue;
import io.dkv.schemas.Op;
import io.dkv.schemas.OpResult;
import io.dkv.schemas.OpType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Txn;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of a transaction:
 * {@code {"compare":[{"key":"k","target":"value|version|modRevision|createRevision|lease","op":"==|!=|<|>","value":…}],
 * "then":[{"op":"put|delete|get","key":"k","value":"v","lease":"7","lock":"42.…"}],"else":[…]}};
 * a put's optional lease attaches its key; an op's lock is the handle of the key's lock, which a write
 * of a locked key needs.
 * Keys and values are UTF-8 strings; {@code keyBase64} / {@code valueBase64} carry bytes.
 * Every malformed part is a 400 naming the part; sizes over {@link Limits} are 413. Thread-safe.
 */
final class TxnJson {
    private static final Map<String, CompareTarget> TARGETS = Map.of(
            "value", CompareTarget.VALUE, "version", CompareTarget.VERSION, "modRevision", CompareTarget.MOD_REVISION,
            "createRevision", CompareTarget.CREATE_REVISION, "lease", CompareTarget.LEASE);
    private static final Map<String, CompareOp> OPERATORS = Map.of(
            "==", CompareOp.EQUAL, "!=", CompareOp.NOT_EQUAL, "<", CompareOp.LESS, ">", CompareOp.GREATER);
    private static final Map<String, OpType> OPS = Map.of("put", OpType.PUT, "delete", OpType.DELETE, "get", OpType.GET);

    private final Limits limits;

    TxnJson(Limits limits) {
        this.limits = limits;
    }

    Txn parse(Buffer body) {
        JsonObject json;
        try {
            json = body == null || body.length() == 0 ? null : new JsonObject(body);
        } catch (DecodeException | ClassCastException e) {
            throw new ApiException(ErrorCode.INVALID_JSON, "the body is not a JSON object: " + e.getMessage());
        }
        if (json == null) {
            throw new ApiException(ErrorCode.INVALID_JSON, "the body must be a JSON object with compare, then and else");
        }
        for (String field : json.fieldNames()) {
            if (!List.of("compare", "then", "else").contains(field)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "unknown field '" + field + "'; a transaction has compare, then and else");
            }
        }
        JsonArray compare = array(json, "compare");
        JsonArray then = array(json, "then");
        JsonArray otherwise = array(json, "else");
        if (compare.size() + then.size() + otherwise.size() > limits.maxTxnOps()) {
            throw new ApiException(ErrorCode.TXN_TOO_LARGE, "a transaction has at most " + limits.maxTxnOps()
                    + " compare clauses and operations; this one has " + (compare.size() + then.size() + otherwise.size()));
        }
        List<Compare> compares = new ArrayList<>(compare.size());
        for (int i = 0; i < compare.size(); i++) {
            compares.add(compare(object(compare, i, "compare"), "compare[" + i + "]"));
        }
        return Txn.newBuilder().setCompare(compares).setSuccess(ops(then, "then")).setFailure(ops(otherwise, "else")).build();
    }

    JsonObject render(Reply reply) {
        JsonArray results = new JsonArray();
        for (OpResult result : reply.getResults()) {
            JsonObject item = new JsonObject().put("op", result.getType().name().toLowerCase());
            Http.bytes(item, "key", Http.array(result.getKey()));
            switch (result.getType()) {
                case PUT -> item.put("modRevision", result.getCurrent().getModRevision())
                        .put("created", result.getPrevious() == null);
                case DELETE -> item.put("deleted", result.getPrevious() == null ? 0 : 1);
                default -> {
                    KeyValue current = result.getCurrent();
                    item.put("found", current != null);
                    if (current != null) {
                        item.mergeIn(Http.entry(Http.array(result.getKey()), current));
                    }
                }
            }
            results.add(item);
        }
        return new JsonObject().put("succeeded", reply.getSucceeded()).put("revision", reply.getRevision()).put("results", results);
    }

    private Compare compare(JsonObject json, String where) {
        CompareTarget target = TARGETS.get(json.getValue("target") instanceof String s ? s : "");
        if (target == null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + ".target must be one of " + TARGETS.keySet());
        }
        CompareOp op = OPERATORS.get(json.getValue("op") instanceof String s ? s : "");
        if (op == null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + ".op must be one of " + OPERATORS.keySet());
        }
        Compare.Builder compare = Compare.newBuilder().setKey(ByteBuffer.wrap(key(json, where))).setTarget(target).setOp(op);
        if (target == CompareTarget.VALUE) {
            byte[] value = bytes(json, "value", where);
            compare.setValue(ByteBuffer.wrap(value));
        } else {
            Object value = json.getValue("value");
            long number;
            if (value instanceof Number n && n.doubleValue() == n.longValue()) {
                number = n.longValue();
            } else if (target == CompareTarget.LEASE && value instanceof String s) {
                number = Http.parseRevision(s, where + ".value");
            } else {
                throw new ApiException(ErrorCode.INVALID_REQUEST, where + ".value must be an integer for target " + json.getString("target"));
            }
            compare.setNumber(number);
        }
        return compare.build();
    }

    private List<Op> ops(JsonArray array, String where) {
        List<Op> ops = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String at = where + "[" + i + "]";
            JsonObject json = object(array, i, where);
            OpType type = OPS.get(json.getValue("op") instanceof String s ? s : "");
            if (type == null) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, at + ".op must be one of " + OPS.keySet());
            }
            Op.Builder op = Op.newBuilder().setType(type).setKey(ByteBuffer.wrap(key(json, at)));
            if (type == OpType.PUT) {
                byte[] value = bytes(json, "value", at);
                if (value.length > limits.maxValueBytes()) {
                    throw new ApiException(ErrorCode.VALUE_TOO_LARGE, at + ": values are limited to " + limits.maxValueBytes() + " bytes");
                }
                op.setValue(ByteBuffer.wrap(value));
                Object lease = json.getValue("lease");
                if (lease != null) {
                    op.setLease(Http.parseLease(lease instanceof String s ? s : String.valueOf(lease), at + ".lease"));
                }
            }
            Object lock = json.getValue("lock");
            if (lock != null) {
                op.setLock(Http.parseHandle(lock instanceof String s ? s : String.valueOf(lock), at + ".lock"));
            }
            ops.add(op.build());
        }
        return ops;
    }

    private byte[] key(JsonObject json, String where) {
        byte[] key = bytes(json, "key", where);
        if (key.length == 0) {
            throw new ApiException(ErrorCode.INVALID_KEY, where + ".key is empty");
        }
        if (key.length > limits.maxKeyBytes()) {
            throw new ApiException(ErrorCode.KEY_TOO_LARGE, where + ".key: keys are limited to " + limits.maxKeyBytes() + " bytes");
        }
        return key;
    }

    /** {@code name} as UTF-8 text or {@code nameBase64} as bytes; exactly one must be present. */
    private static byte[] bytes(JsonObject json, String name, String where) {
        byte[] bytes = Http.bytesField(json, name, where);
        if (bytes == null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + "." + name + " must be a string");
        }
        return bytes;
    }

    private static JsonArray array(JsonObject json, String name) {
        Object value = json.getValue(name);
        if (value == null) {
            return new JsonArray();
        }
        if (!(value instanceof JsonArray array)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "'" + name + "' must be an array");
        }
        return array;
    }

    private static JsonObject object(JsonArray array, int i, String where) {
        Object value = array.getValue(i);
        if (!(value instanceof JsonObject object)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + "[" + i + "] must be an object");
        }
        return object;
    }
}
