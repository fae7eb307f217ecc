package io.dkv.gateway.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: one line per refused request (401 and 403) and per store created or deleted, on
 * its own logger {@value #LOGGER} so that operators can route it elsewhere. Each line carries its
 * fields as SLF4J key-value pairs ({@code event}, {@code principal}, {@code remote}, {@code action},
 * {@code resource}), which the JSON log format ({@code DKV_LOG_FORMAT=json}) writes as fields.
 * Thread-safe.
 */
public final class AuditLog {
    public static final String LOGGER = "dkv.audit";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private AuditLog() {
    }

    static void denied(String principal, String remote, Action action, String resource) {
        LOG.atWarn().addKeyValue("event", "denied").addKeyValue("principal", principal).addKeyValue("remote", remote)
                .addKeyValue("action", action.wireName()).addKeyValue("resource", resource)
                .log("denied: principal={} remote={} action={} resource={}", principal, remote, action.wireName(), resource);
    }

    static void unauthenticated(String remote, String request, String reason) {
        LOG.atWarn().addKeyValue("event", "unauthenticated").addKeyValue("remote", remote).addKeyValue("request", request)
                .log("unauthenticated: remote={} request={} reason={}", remote, request, reason);
    }

    /** A store was created or deleted ({@code action} "create" or "delete") by the caller of {@code access}. */
    public static void storeChanged(Access access, String action, String store) {
        String who = access.principal() == null ? "-" : access.principal();
        String remote = access.remote();
        LOG.atInfo().addKeyValue("event", "store-" + action).addKeyValue("principal", who).addKeyValue("remote", remote)
                .addKeyValue("resource", "store " + store)
                .log("store-{}: principal={} remote={} store={}", action, who, remote, store);
    }
}
