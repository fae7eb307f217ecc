package io.dkv.gateway.watch.internals;

import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.auth.OpenStreams;
import io.dkv.gateway.internals.SseStream;
import io.vertx.ext.web.RoutingContext;

/**
 * A started watch served as Server-Sent Events on one request (a watch, an election's observe): the
 * watch ends when the client goes, when it cannot start, and when a new access policy takes away the
 * grant it was admitted on. An end before the stream opened is answered as an error (403, or the
 * start's failure); after, as a {@code cancelled} message. Used on the request's context.
 */
public final class SseWatchResponse {
    /** How the stream tells the client that it ends: a {@code cancelled} message with its reason. */
    public interface Cancel {
        void cancelled(String reason, long resumeRevision);
    }

    private SseWatchResponse() {
    }

    /**
     * Ties {@code started}, whose messages go to {@code stream}, to the request and to its grant:
     * {@code action} on {@code key} of {@code store}, held in {@code streams}.
     */
    public static void serve(RoutingContext ctx, WatchStarter.Started started, SseStream stream, Cancel cancel, OpenStreams streams,
            Action action, String store, byte[] key) {
        OpenStreams.Held held = streams.hold(Access.of(ctx), action, store, key, forbidden -> {
            started.watch().close();
            if (stream.opened()) {
                cancel.cancelled("forbidden: " + forbidden.getMessage(), started.watch().deliveredRevision());
            } else {
                ctx.fail(forbidden);
            }
        });
        ctx.response().closeHandler(v -> {
            started.watch().close();
            held.close();
        });
        started.ready().onFailure(e -> {
            held.close();
            if (ctx.response().ended()) {
                return;
            }
            if (!stream.opened()) {
                ctx.fail(e);
            } else {
                cancel.cancelled("error: " + e.getMessage(), started.watch().deliveredRevision());
            }
        });
    }
}
