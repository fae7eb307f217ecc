package io.dkv.gateway;

import io.vertx.core.json.JsonObject;

/**
 * An expected failure of an API call, rendered as its HTTP status and the JSON body
 * {@code {"code": "...", "message": "...", ...details}}.
 */
public final class ApiException extends RuntimeException {
    private final ErrorCode code;
    private final JsonObject details;
    private final int status;

    public ApiException(ErrorCode code, String message) {
        this(code, message, new JsonObject());
    }

    public ApiException(ErrorCode code, String message, JsonObject details) {
        this(code, message, details, code.status());
    }

    private ApiException(ErrorCode code, String message, JsonObject details, int status) {
        super(message, null, false, false);
        this.code = code;
        this.details = details;
        this.status = status;
    }

    /** The same error answered with another HTTP status, for a code whose status depends on the endpoint (LOCKED). */
    public ApiException withStatus(int status) {
        return new ApiException(code, getMessage(), details, status);
    }

    public ErrorCode code() {
        return code;
    }

    /** The HTTP status to answer with: the code's, unless {@link #withStatus} chose another. */
    public int status() {
        return status;
    }

    public JsonObject body() {
        return new JsonObject().put("code", code.name()).put("message", getMessage()).mergeIn(details);
    }
}
