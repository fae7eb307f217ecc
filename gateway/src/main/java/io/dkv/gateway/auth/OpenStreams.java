package io.dkv.gateway.auth;

import io.dkv.gateway.ApiException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The long-lived streams open on this gateway (watches and election observations, over SSE and
 * WebSocket, and lease keep-alive sockets) and the grant each was admitted on. A request is authorized once, but a stream goes on
 * delivering events for as long as it is open; {@link #recheck} is called with every new access policy and ends each stream whose
 * principal no longer holds its grant, so a reloaded access file applies to open streams as it does
 * to the next request. Thread-safe: streams hold and release from their own contexts, the recheck
 * runs wherever the policy was reloaded, and each stream is ended on the context it was opened on.
 */
public final class OpenStreams {
    private final Set<Held> held = ConcurrentHashMap.newKeySet();

    /** One stream's hold on its grant. */
    public final class Held implements AutoCloseable {
        private final Access access;
        private final Action action;
        private final String store;
        private final byte[] key;
        private final Context context;
        private final Consumer<ApiException> end;

        private Held(Access access, Action action, String store, byte[] key, Context context, Consumer<ApiException> end) {
            this.access = access;
            this.action = action;
            this.store = store;
            this.key = key;
            this.context = context;
            this.end = end;
        }

        /** The stream ended: its grant is no longer checked. Idempotent. */
        @Override
        public void close() {
            held.remove(this);
        }
    }

    /**
     * Holds the grant of a stream admitted with {@code action} on {@code key} (a key, or the prefix of
     * every key the stream covers) of {@code store}. Call from the stream's context: that is where
     * {@code end} runs, with a FORBIDDEN error, if a later policy takes the grant away.
     *
     * @return the hold, to close when the stream ends; nothing is held for a DKV without authentication
     */
    public Held hold(Access access, Action action, String store, byte[] key, Consumer<ApiException> end) {
        Held hold = new Held(access, action, store, key, Vertx.currentContext(), end);
        if (access.principal() != null) {
            held.add(hold);
        }
        return hold;
    }

    /**
     * Checks every open stream against {@code policy}, the policy now in force, and ends those whose
     * principal lost their grant (after an audit line each).
     *
     * @return how many streams were ended
     */
    public int recheck(AccessPolicy policy) {
        int ended = 0;
        for (Held hold : held) {
            if (!policy.access(hold.access.principal()).permits(hold.action, hold.store, hold.key) && held.remove(hold)) {
                ApiException forbidden = hold.access.denied(hold.action, hold.store, hold.key);
                hold.context.runOnContext(v -> hold.end.accept(forbidden));
                ended++;
            }
        }
        return ended;
    }
}
