package io.dkv.gateway.auth;

import java.util.Locale;

/**
 * What a grant allows. The access file names them in lower case. Key actions ({@link #READ},
 * {@link #WRITE}, {@link #WATCH}, {@link #LOCK}) apply to the keys under the grant's prefix;
 * {@link #ELECT} to the elections whose name starts with it; store actions ({@link #LEASE},
 * {@link #ADMIN}) need a grant on the whole store (an empty prefix); {@link #METRICS} needs a grant on
 * every store ({@code "*"}), and so does {@link #PEER}.
 */
public enum Action {
    /** Get, list, describe, and the compare clauses and gets of a transaction. */
    READ,
    /** Put and delete, and the puts and deletes of a transaction. */
    WRITE,
    /** Watch a key or prefix, over SSE or WebSocket. */
    WATCH,
    /** Grant, refresh, describe, list and revoke the store's leases. */
    LEASE,
    /** Acquire, refresh, release and describe locks. */
    LOCK,
    /** Campaign, proclaim, resign, observe and ask for the leader of elections. */
    ELECT,
    /** Create and delete the store. */
    ADMIN,
    /** Read {@code /metrics} (unless {@code --metrics-public}). */
    METRICS,
    /**
     * Act for another principal ({@code DKV-On-Behalf-Of}): what a DKV instance does when it forwards
     * a request whose caller authenticated with a client certificate, which cannot be forwarded.
     * Grant it on every store to the subjects of the instances' own certificates, and to no one else.
     */
    PEER;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException naming the actions there are
     */
    public static Action fromWire(String name) {
        for (Action action : values()) {
            if (action.wireName().equals(name)) {
                return action;
            }
        }
        throw new IllegalArgumentException("unknown action '" + name + "'; the actions are read, write, watch, lease, lock, elect, admin, metrics and peer");
    }
}
