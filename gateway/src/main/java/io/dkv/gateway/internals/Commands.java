package io.dkv.gateway.internals;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.schemas.Txn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Builds commands from HTTP requests, and turns their replies into Vert.x futures and API errors.
 * A new command type needs only its symbol in the Avro {@code CommandType}, its payload on
 * {@link #builder}'s result, its case in the processor's switch, and, for a refusal the status alone
 * does not name, the error code its reply carries ({@link #check}).
 */
public final class Commands {
    private Commands() {
    }

    /**
     * A command for {@code store} carrying the request's DKV-Request-Id, or a fresh id marked as new
     * (no earlier command can carry it, so the processor need not look it up).
     */
    public static Command of(RoutingContext ctx, String store, CommandType type, Txn txn) {
        return builder(ctx, store, type).setTxn(txn).build();
    }

    /** {@link #of}'s command without its payload, for the caller to add it. */
    public static Command.Builder builder(RoutingContext ctx, String store, CommandType type) {
        String clientId = clientRequestId(ctx);
        return Command.newBuilder().setRequestId(clientId != null ? clientId : UUID.randomUUID().toString())
                .setNewRequestId(clientId == null).setStore(store).setType(type)
                .setIssuedAtMs(System.currentTimeMillis());
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

    /**
     * {@link #send}, failing with the reply's API error ({@link #check}) unless its status is OK.
     */
    public static Future<Reply> sendChecked(Vertx vertx, CommandBus bus, Command command, Duration timeout) {
        return send(vertx, bus, command, timeout).map(reply -> {
            check(reply);
            return reply;
        });
    }

    /**
     * Sends the command and hands an OK reply to {@code onOk}; any other outcome, or a failure of
     * {@code onOk}, fails {@code ctx} with its API error.
     */
    public static void respond(Vertx vertx, CommandBus bus, Duration timeout, RoutingContext ctx, Command command,
            Consumer<Reply> onOk) {
        sendChecked(vertx, bus, command, timeout).onComplete(ar -> {
            try {
                if (ar.failed()) {
                    throw ar.cause() instanceof RuntimeException e ? e : new IllegalStateException(ar.cause());
                }
                onOk.accept(ar.result());
            } catch (RuntimeException e) {
                ctx.fail(e);
            }
        });
    }

    /**
     * @throws ApiException unless the reply's status is OK: with the reply's error code when it
     *     carries one, else the status's usual code
     */
    public static void check(Reply reply) {
        if (reply.getStatus() != Status.OK && reply.getCode() != null) {
            ErrorCode code = Arrays.stream(ErrorCode.values()).filter(c -> c.name().equals(reply.getCode())).findFirst()
                    .orElse(ErrorCode.INTERNAL);
            JsonObject details = new JsonObject().put("revision", reply.getRevision());
            if (reply.getLock() != null) {
                // The holder as anyone may see it: its handle's secret is never in a refusal.
                details.put("fencingToken", reply.getLock().getFencingToken()).put("expiresAt", reply.getLock().getExpiresAtMs());
            }
            throw new ApiException(code, String.valueOf(reply.getMessage()), details);
        }
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
