package io.dkv.gateway.watch;

import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.watch.internals.Watch;
import io.vertx.core.json.JsonObject;

/**
 * A kind of stream the watch WebSocket carries besides plain watches (an election's leadership, for
 * one): the client starts one with a frame {@code {"type": <kind>, "id": …, …}} and cancels it like a
 * watch. Implementations are called on the socket's context.
 */
public interface SocketSubscription {

    /** Where a subscription's frames go; every frame sent carries the subscription's id. */
    interface Frames {
        /** Sends {@code frame} with {@code type} and the subscription's id added. */
        void send(String type, JsonObject frame);

        /** Sends an {@code error} frame for {@code e}; the subscription has ended. */
        void error(Throwable e);

        /** The subscription ended on its own (after a {@code cancelled} frame). */
        void end();

        boolean writeQueueFull();

        void drainHandler(Runnable onDrain);
    }

    /**
     * Starts a subscription on {@code store}, whose task is active here on {@code partition}, after
     * checking that {@code access} (the socket's caller) is granted what it reads.
     *
     * @return the watch that feeds it, closed when the client cancels or the socket closes
     * @throws io.dkv.gateway.ApiException if {@code request} is not valid for this kind, FORBIDDEN if not granted
     */
    Watch start(String store, int partition, JsonObject request, Access access, Frames frames);

    /**
     * What a subscription started from {@code request} reads: the action and the key (or prefix) of its
     * store that {@link #start} checked, checked again whenever the access policy changes. Called only
     * after {@link #start} accepted {@code request}.
     */
    Grant grant(JsonObject request);

    /** An action on a key, or on every key under it taken as a prefix. */
    record Grant(Action action, byte[] key) {
    }
}
