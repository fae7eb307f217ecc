package io.dkv.gateway.watch.internals;

import io.dkv.schemas.KeyValue;

/** A transport's view of one watch: the live messages of {@link Watch.Sink} plus how it starts and ends. */
public interface WatchSink extends Watch.Sink {
    /** The watch is accepted; nothing was sent before this. */
    void open();

    void snapshot(byte[] key, KeyValue entry);

    void snapshotEnd(long revision);

    /** The history to resume from is gone; the watch ends after this. */
    void compacted(long oldestRevision);

    /** Whether {@link #open()} was called. */
    boolean opened();

    void end();
}
