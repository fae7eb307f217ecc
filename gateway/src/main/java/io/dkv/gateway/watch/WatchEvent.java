package io.dkv.gateway.watch;

import io.dkv.gateway.internals.Http;
import io.vertx.core.json.JsonObject;

/**
 * One change of one key as a watcher sees it. {@code value} is null for a DELETE; {@code prevValue}
 * is the value before the change, null when a put created the key. {@code cause} says why a DELETE
 * happened that no client asked for: {@code lease-expired} or {@code lease-revoked} (the
 * {@code dkv.cause} header), else null. Events of one transaction, or of one lease's end, share
 * their revision.
 */
public record WatchEvent(Type type, byte[] key, byte[] value, long revision, long createRevision, long version, long lease,
        byte[] prevValue, String cause) {

    public enum Type { PUT, DELETE }

    /** The JSON form; the previous value only when the watcher asked for it. */
    public JsonObject toJson(boolean withPrevValue) {
        JsonObject json = new JsonObject();
        Http.bytes(json, "key", key);
        if (type == Type.PUT) {
            Http.bytes(json, "value", value);
            json.put("createRevision", createRevision).put("version", version);
        }
        json.put("revision", revision);
        if (lease != 0) {
            json.put("lease", Long.toString(lease));
        }
        if (cause != null) {
            json.put("cause", cause);
        }
        if (withPrevValue && prevValue != null) {
            Http.bytes(json, "prevValue", prevValue);
        }
        return json;
    }
}
