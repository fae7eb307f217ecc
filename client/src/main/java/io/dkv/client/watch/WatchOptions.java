package io.dkv.client.watch;

/**
 * Where a watch starts and what its events carry. Immutable: each method returns a new value.
 * {@code WatchOptions.snapshot().withPrevValue()}.
 */
public final class WatchOptions {
    private final boolean snapshot;
    private final long fromRevision;
    private final boolean prevValue;

    private WatchOptions(boolean snapshot, long fromRevision, boolean prevValue) {
        this.snapshot = snapshot;
        this.fromRevision = fromRevision;
        this.prevValue = prevValue;
    }

    /** Changes from now on. */
    public static WatchOptions fromNow() {
        return new WatchOptions(false, 0, false);
    }

    /** The current state first (the start's entries), then every change after it. */
    public static WatchOptions snapshot() {
        return new WatchOptions(true, 0, false);
    }

    /** Every change from store revision {@code revision} (inclusive), then on. */
    public static WatchOptions fromRevision(long revision) {
        if (revision < 1) {
            throw new IllegalArgumentException("revisions start at 1");
        }
        return new WatchOptions(false, revision, false);
    }

    /** Events also carry the value each change replaced. */
    public WatchOptions withPrevValue() {
        return new WatchOptions(snapshot, fromRevision, true);
    }

    public boolean isSnapshot() {
        return snapshot;
    }

    /** The first revision wanted, or 0. */
    public long fromRevisionValue() {
        return fromRevision;
    }

    public boolean isPrevValue() {
        return prevValue;
    }
}
