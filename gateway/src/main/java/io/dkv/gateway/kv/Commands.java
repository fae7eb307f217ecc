package io.dkv.gateway.kv;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.schemas.Command;
import io.dkv.schemas.Reply;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/** Maps command outcomes that are not OK to API errors. */
public final class Commands {
    private Commands() {
    }

    /** @throws ApiException unless the reply's status is OK */
    public static void check(Reply reply) {
        switch (reply.getStatus()) {
            case OK -> { }
            case NOT_FOUND -> throw new ApiException(ErrorCode.STORE_NOT_FOUND,
                    "store " + reply.getStore() + " does not exist; create it with PUT /v1/stores/" + reply.getStore());
            case INVALID -> throw new ApiException(ErrorCode.INVALID_REQUEST, String.valueOf(reply.getMessage()));
            default -> throw new ApiException(ErrorCode.INTERNAL, "unexpected outcome " + reply.getStatus() + ": " + reply.getMessage());
        }
    }

    /** The API error for a command whose reply never came. */
    public static ApiException failure(Throwable cause, Command command) {
        Throwable root = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ApiException api) {
            return api;
        }
        JsonObject details = new JsonObject().put("requestId", command.getRequestId());
        if (root instanceof TimeoutException) {
            return new ApiException(ErrorCode.TIMEOUT, "no outcome within the request timeout; the write may still be applied."
                    + " Retry with header DKV-Request-Id: " + command.getRequestId() + " to apply it at most once and learn its outcome", details);
        }
        return new ApiException(ErrorCode.UNAVAILABLE, "could not hand the command to Kafka: " + root.getMessage()
                + ". Retry with header DKV-Request-Id: " + command.getRequestId(), details);
    }
}
