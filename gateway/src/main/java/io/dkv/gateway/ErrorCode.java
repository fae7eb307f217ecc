package io.dkv.gateway;

/**
 * The stable error codes of DKV's HTTP API, each with its HTTP status. Clients branch on the code;
 * the message is for people and may change.
 */
public enum ErrorCode {
    INVALID_STORE_NAME(400),
    INVALID_KEY(400),
    INVALID_JSON(400),
    INVALID_REQUEST(400),
    INVALID_REVISION(400),
    INVALID_CURSOR(400),
    /** A query parameter the endpoint does not take; the message lists the ones it does. */
    UNKNOWN_PARAMETER(400),
    /** A query parameter given twice, with a value outside its choices, or malformed. */
    INVALID_PARAMETER(400),
    /** A lease id that is not a positive decimal integer. */
    INVALID_LEASE(400),
    /** A lease TTL outside {@code --lease-min-ttl-ms} … {@code --lease-max-ttl-ms}; the message gives the bounds. */
    TTL_OUT_OF_RANGE(400),
    /** An election name that is not 1 to 128 letters, digits, '.', '_', ':' or '-'. */
    INVALID_ELECTION(400),
    /** A write names a key under {@code _locks/}, which shows the store's locks and only DKV writes. */
    RESERVED_KEY(400),
    /** A lock handle that is not one DKV returned ({@code <fencingToken>.<16 hex digits>}). */
    INVALID_HANDLE(400),
    /** The request is not well-formed HTTP (its request line or headers cannot be parsed). */
    MALFORMED_HTTP(400),
    /** The request has no credentials and this DKV needs them (an access file is configured); see WWW-Authenticate. */
    UNAUTHENTICATED(401),
    /** The bearer token (or JWT) is not valid, or the Authorization header is not {@code Bearer <token>}. */
    INVALID_CREDENTIALS(401),
    /** The principal has no grant for this action on this store or key; the body's {@code action} names it. Nothing changed. */
    FORBIDDEN(403),
    STORE_NOT_FOUND(404),
    KEY_NOT_FOUND(404),
    /** The store has no such lease: never granted there, revoked, or expired. Nothing changed. */
    LEASE_NOT_FOUND(404),
    /** The election has no candidate, so no leader. */
    ELECTION_NOT_FOUND(404),
    /** The lease (and token, when given) is not a candidate of the election: it never campaigned, resigned, or its lease ended. */
    NOT_CANDIDATE(404),
    NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    /**
     * A store is to be created on a change topic that holds records of an earlier store of that name;
     * the message names the topic, which a DELETE of the store name deletes.
     */
    CHANGE_TOPIC_NOT_EMPTY(409),
    /** A store is to be created while a delete of that name has not finished; a DELETE finishes it. */
    STORE_BEING_DELETED(409),
    /** A grant named a lease id the store already has. */
    LEASE_EXISTS(409),
    /** The caller is not (or no longer) the election's leader; nothing changed. */
    NOT_LEADER(409),
    PRECONDITION_FAILED(412),
    /**
     * The key's lock is held by someone else (423 on KV calls, refresh and release: the handle given is
     * missing, released, expired or another key's; 409 on an acquire). The body gives the holder's
     * {@code fencingToken} and {@code expiresAt}, never its handle. Nothing changed.
     */
    LOCKED(423),
    KEY_TOO_LARGE(413),
    VALUE_TOO_LARGE(413),
    TXN_TOO_LARGE(413),
    REQUEST_TOO_LARGE(413),
    /** A put would attach more keys to a lease than {@code --max-keys-per-lease}. */
    TOO_MANY_KEYS_ON_LEASE(413),
    /** The request line is over the HTTP codec's limit ({@code --max-request-line-bytes}). */
    URI_TOO_LONG(414),
    /** The header block is over the HTTP codec's limit ({@code --max-header-bytes}). */
    HEADERS_TOO_LARGE(431),
    /** The store has {@code --max-leases-per-store} leases; revoke some first. */
    TOO_MANY_LEASES(429),
    /** The election has {@code --max-candidates-per-election} candidates already. */
    TOO_MANY_CANDIDATES(429),
    /** The key's lock has {@code --max-waiters-per-lock} callers waiting already. */
    TOO_MANY_WAITERS(429),
    /** The principal sent more than {@code --max-requests-per-second} requests in the last second; retry after a pause. */
    TOO_MANY_REQUESTS(429),
    /** The client address holds {@code --max-connections-per-address} connections already; reuse one. */
    TOO_MANY_CONNECTIONS(429),
    UNAVAILABLE(503),
    TIMEOUT(504),
    /** A topic DKV needs exists with a configuration it cannot work with; the message says how to fix it. */
    TOPIC_MISCONFIGURED(500),
    INTERNAL(500);

    private final int status;

    ErrorCode(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }
}
