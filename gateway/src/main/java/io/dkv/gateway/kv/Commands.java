package io.dkv.gateway.kv;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.internals.CommandBus;
import io.dkv.gateway.internals.Http;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.Txn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.UUID;
import io.dkv.schemas.Reply;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/** Builds commands from HTTP requests, and turns their replies into Vert.x futures and API errors. */
public final class Commands {
    private Commands() {
    }

    /**
     * A command for {@code store} carrying the request's DKV-Request-Id, or a fresh id marked as new
     * (no earlier command can carry it, so the processor need not look it up).
     */
    public static Command of(RoutingContext ctx, String store, CommandType type, Txn txn) {
        String clientId = clientRequestId(ctx);
        return Command.newBuilder().setRequestId(clientId != null ? clientId : UUID.randomUUID().toString())
                .setNewRequestId(clientId == null).setStore(store).setType(type).setTxn(txn)
                .setIssuedAtMs(System.currentTimeMillis()).build();
    }

    /** The client's DKV-Request-Id (so a retry is applied at most once), or null when it sent none. */
    private static String clientRequestId(RoutingContext ctx) {
        String id = ctx.request().getHeader(Http.REQUEST_ID_HEADER);
        if (id == null) {
            return null;
        }
        if (id.isEmpty() || id.length() > 128 || !id.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, Http.REQUEST_ID_HEADER + " must be 1 to 128 printable ASCII characters");
        }
        return id;
    }

    /**
     * Sends the command and completes, on the caller's context, with its reply whatever its status;
     * a reply that never came fails with {@link #failure}'s TIMEOUT or UNAVAILABLE.
     */
    public static Future<Reply> send(Vertx vertx, CommandBus bus, Command command, Duration timeout) {
        return Future.fromCompletionStage(bus.send(command, timeout), vertx.getOrCreateContext())
                .recover(e -> Future.failedFuture(failure(e, command)));
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
