package io.dkv.gateway;

import io.vertx.core.json.JsonObject;

/**
 * An expected failure of an API call, rendered as its HTTP status and the JSON body
 * {@code {"code": "...", "message": "...", ...details}}.
 */
public final class ApiException extends RuntimeException {
    private final ErrorCode code;
    private final JsonObject details;

    public ApiException(ErrorCode code, String message) {
        this(code, message, new JsonObject());
    }

    public ApiException(ErrorCode code, String message, JsonObject details) {
        super(message, null, false, false);
        this.code = code;
        this.details = details;
    }

    public ErrorCode code() {
        return code;
    }

    public JsonObject body() {
        return new JsonObject().put("code", code.name()).put("message", getMessage()).mergeIn(details);
    }
}
