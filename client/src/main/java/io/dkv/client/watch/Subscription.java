package io.dkv.client.watch;

/** A running watch or observation. Thread-safe. */
public interface Subscription extends AutoCloseable {

    /** Stops it; no listener call starts after this returns (one in progress may finish). */
    void stop();

    /** The last store revision delivered (or reached without events), or 0 before the start. */
    long lastRevision();

    @Override
    default void close() {
        stop();
    }
}
