package io.dkv.gateway.auth;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.internals.Http;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.List;

/**
 * What the caller of one request may do: its principal and grants, put on the request by
 * {@link Authentication} before any route runs. Every route checks it before it acts, through the
 * static {@code require} methods, which answer 403 {@code FORBIDDEN} (and write an audit line) when
 * the grant is missing. A request that reached a route without one is refused: the check fails
 * closed. Immutable and thread-safe.
 */
public final class Access {
    static final String CONTEXT_KEY = "dkv.access";
    private static final Access UNRESTRICTED = new Access(null, null, null);

    private final String principal;
    private final List<AccessPolicy.Grant> grants;
    /** Kept as the address itself: it becomes text only in an audit line, off the hot path. */
    private final SocketAddress remote;

    private Access(String principal, List<AccessPolicy.Grant> grants, SocketAddress remote) {
        this.principal = principal;
        this.grants = grants;
        this.remote = remote;
    }

    /** Everything, for a DKV without authentication. */
    public static Access unrestricted() {
        return UNRESTRICTED;
    }

    static Access of(String principal, List<AccessPolicy.Grant> grants) {
        return new Access(principal, grants, null);
    }

    /** This access for a request from {@code remote}, the address audit lines name. */
    Access from(SocketAddress remote) {
        return new Access(principal, grants, remote);
    }

    /** The request's access; nothing at all if {@link Authentication} did not run for it. */
    public static Access of(RoutingContext ctx) {
        Access access = ctx.get(CONTEXT_KEY);
        return access != null ? access : new Access("-", List.of(), ctx.request().remoteAddress());
    }

    /** The authenticated principal, or null without authentication. */
    public String principal() {
        return principal;
    }

    /** Where the request came from, for audit lines. */
    public String remote() {
        return String.valueOf(remote);
    }

    /** Whether {@code action} is granted on {@code key}, or on every key under {@code key} taken as a prefix. */
    public boolean permits(Action action, String store, byte[] key) {
        if (grants == null) {
            return true;
        }
        for (AccessPolicy.Grant grant : grants) {
            if (grant.actions().contains(action) && grant.coversStore(store) && grant.coversBytes(key)) {
                return true;
            }
        }
        return false;
    }

    /** Whether any grant names {@code store}: such a store is listed and described to the caller. */
    public boolean seesStore(String store) {
        if (grants == null) {
            return true;
        }
        return grants.stream().anyMatch(grant -> grant.coversStore(store));
    }

    /** Whether {@code action} is granted on some keys of {@code store}. */
    public boolean permitsSomewhere(Action action, String store) {
        if (grants == null) {
            return true;
        }
        return grants.stream().anyMatch(grant -> grant.actions().contains(action) && grant.coversStore(store));
    }

    /**
     * Checks a key action (or a range: {@code key} as the prefix of every key it covers).
     *
     * @throws ApiException FORBIDDEN, after an audit line, unless granted
     */
    public void require(Action action, String store, byte[] key) {
        if (!permits(action, store, key)) {
            throw denied(action, store, key);
        }
    }

    /** {@link #require(Action, String, byte[])} with the access of the request {@code ctx}. */
    public static void require(RoutingContext ctx, Action action, String store, byte[] key) {
        of(ctx).require(action, store, key);
    }

    /** Checks a store action, which needs a grant on every key of the store. */
    public static void requireStore(RoutingContext ctx, Action action, String store) {
        require(ctx, action, store, new byte[0]);
    }

    /** Checks that some grant names the store (what describing a store needs). */
    public static void requireSees(RoutingContext ctx, String store) {
        Access access = of(ctx);
        if (!access.seesStore(store)) {
            throw access.denied(Action.READ, store, null);
        }
    }

    /**
     * Checks that one of {@code actions} is granted on some keys of {@code store} (what opening a
     * stream of many requests, each checked itself, needs).
     */
    public static void requireSomewhere(RoutingContext ctx, String store, Action... actions) {
        Access access = of(ctx);
        for (Action action : actions) {
            if (access.permitsSomewhere(action, store)) {
                return;
            }
        }
        throw access.denied(actions[0], store, null);
    }

    /** Checks an action on every store (what {@code /metrics} needs). */
    public static void requireEveryStore(RoutingContext ctx, Action action) {
        require(ctx, action, "*", new byte[0]);
    }

    ApiException denied(Action action, String store, byte[] key) {
        String resource = resource(store, key);
        AuditLog.denied(principal, remote(), action, resource);
        return new ApiException(ErrorCode.FORBIDDEN, "principal '" + principal + "' may not " + action.wireName() + " " + resource
                + "; ask for a role that grants it in the access file", new JsonObject().put("action", action.wireName()));
    }

    private static String resource(String store, byte[] key) {
        if (key == null) {
            return "store " + store;
        }
        if (key.length == 0) {
            return "all of store " + store;
        }
        String text = Http.utf8(key);
        return "store " + store + " key " + (text != null ? "'" + text + "'" : "base64:" + Base64.getEncoder().encodeToString(key));
    }
}
