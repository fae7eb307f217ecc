package io.dkv.client.internals;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request as the {@link Transport} sends it, possibly several times: a read may go to any gateway
 * and carries the newest revision the client has seen ({@code DKV-Min-Revision}); a write carries one
 * {@code DKV-Request-Id} for all its attempts, so DKV applies it at most once.
 */
public final class Call {
    public enum Kind { READ, WRITE }

    final String method;
    final String path;
    final Kind kind;
    final Map<String, String> headers = new LinkedHashMap<>();
    byte[] body;
    Duration timeout;
    String contentType;

    private Call(String method, String path, Kind kind) {
        this.method = method;
        this.path = path;
        this.kind = kind;
    }

    public static Call read(String path) {
        return new Call("GET", path, Kind.READ);
    }

    public static Call write(String method, String path) {
        return new Call(method, path, Kind.WRITE);
    }

    public Call header(String name, String value) {
        if (value != null) {
            headers.put(name, value);
        }
        return this;
    }

    public Call body(byte[] body, String contentType) {
        this.body = body;
        this.contentType = contentType;
        return this;
    }

    public Call json(com.fasterxml.jackson.databind.JsonNode json) {
        return body(Json.encode(json), "application/json");
    }

    /** The whole call's deadline, over every attempt; null for the client's default. */
    public Call timeout(Duration timeout) {
        if (timeout != null) {
            this.timeout = timeout;
        }
        return this;
    }
}
