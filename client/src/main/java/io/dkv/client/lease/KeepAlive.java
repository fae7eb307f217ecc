package io.dkv.client.lease;

/** A lease kept alive in the background until {@link #close()} or loss. Thread-safe. */
public interface KeepAlive extends AutoCloseable {

    long leaseId();

    /** Whether the lease was lost (the listener has been or is being told). */
    boolean isLost();

    /** Stops refreshing; the lease then expires one TTL after its last refresh unless revoked. */
    @Override
    void close();
}
