package io.dkv.client.kv;

/** The expected outcomes of a KV call; failures are exceptions instead. */
public enum KvStatus {
    /** Done (read, written or deleted). */
    OK,
    /** The key does not exist. */
    NOT_FOUND,
    /** The call's condition ({@code ifAbsent}, {@code ifRevision}) does not hold; nothing changed. */
    PRECONDITION_FAILED,
    /** The key is locked and the call did not carry its current holder's handle; nothing changed. */
    LOCKED
}
