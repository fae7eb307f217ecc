package io.dkv.schemas;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Names of the headers on every change-topic record. They repeat the metadata of the value so
 * that tombstones (deletes, whose value is null for compaction) still say what happened.
 * All values but {@link #PREV_VALUE} are UTF-8 decimal strings or words, so any consumer (kcat,
 * Connect) can read them.
 */
public final class ChangeHeaders {
    /** {@code PUT} or {@code DELETE}. */
    public static final String TYPE = "dkv.type";
    /** The store revision at which the change happened. */
    public static final String REVISION = "dkv.revision";
    /** Lease id the key is attached to; absent when none. */
    public static final String LEASE = "dkv.lease";
    /** The store the change belongs to. */
    public static final String STORE = "dkv.store";
    /** How many records share this revision (one per key a transaction changed). */
    public static final String BATCH_SIZE = "dkv.batch.size";
    /** 0-based position of this record among those sharing its revision. */
    public static final String BATCH_INDEX = "dkv.batch.index";
    /** On a DELETE: the raw bytes of the value that was deleted (a PUT carries its previous value in the record). */
    public static final String PREV_VALUE = "dkv.prev.value";
    /**
     * On a DELETE no client asked for: why it happened, {@link #CAUSE_LEASE_EXPIRED},
     * {@link #CAUSE_LEASE_REVOKED} or {@link #CAUSE_LOCK_RELEASED}; absent on a client's put or delete.
     */
    public static final String CAUSE = "dkv.cause";
    /** The key's lease expired: its holder stopped refreshing it for longer than its TTL. */
    public static final String CAUSE_LEASE_EXPIRED = "lease-expired";
    /** The key's lease was revoked ({@code DELETE …/leases/{id}}). */
    public static final String CAUSE_LEASE_REVOKED = "lease-revoked";
    /** The key shows a lock ({@code _locks/…}) and its holder released it, or gave up waiting for it. */
    public static final String CAUSE_LOCK_RELEASED = "lock-released";

    private ChangeHeaders() {
    }

    public static void put(Headers headers, String name, Object value) {
        headers.add(name, String.valueOf(value).getBytes(StandardCharsets.UTF_8));
    }

    /** @return the last value of the header as a string, or null if absent */
    public static String get(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
