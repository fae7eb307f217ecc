package io.dkv.client.kv;

/**
 * The outcome of a get, put or delete. {@link #status()} says which expected outcome it was; the
 * other fields are filled as the outcome allows.
 *
 * @param revision the store's revision when the call was answered (the write's own revision for a write)
 * @param entry the key as read, or as written (value included) for a put; null when there is none
 * @param created a put that created the key
 * @param currentModRevision for PRECONDITION_FAILED the key's modification revision (0 if absent);
 *     for a delete, the deleted key's last one
 */
public record KvResult<T>(KvStatus status, long revision, Entry<T> entry, boolean created, long currentModRevision) {

    public boolean isSuccess() {
        return status == KvStatus.OK;
    }

    /** The value read or written, or null. */
    public T value() {
        return entry == null ? null : entry.value();
    }

    /** The key's modification revision after the call, or 0 without an entry. */
    public long modRevision() {
        return entry == null ? 0 : entry.modRevision();
    }
}
