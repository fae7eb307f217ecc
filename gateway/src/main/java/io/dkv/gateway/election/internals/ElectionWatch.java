package io.dkv.gateway.election.internals;

import io.dkv.gateway.election.internals.Candidates.Candidate;
import io.dkv.gateway.watch.WatchEvent;
import io.dkv.gateway.watch.internals.WatchSink;
import io.dkv.schemas.KeyValue;
import java.util.List;

/**
 * A snapshot watch on one election's key prefix, seen as its candidates: the snapshot fills
 * {@link Candidates}, each later transaction updates them, and the {@link Listener} hears the state
 * after the snapshot and after every change, with whether the leader (or its value) changed. It rides
 * the ordinary watch feed, so waiting for leadership never polls. Called on the watch's context only.
 */
public final class ElectionWatch implements WatchSink {

    /** What an election watch reports; called on the watch's context. */
    public interface Listener {
        /** The watch is accepted; nothing was reported before. */
        void opened();

        /**
         * The candidates at {@code revision}: after the snapshot ({@code leaderChanged} true), then after
         * every change under the prefix.
         */
        void changed(Candidates candidates, long revision, boolean leaderChanged);

        void progress(long revision);

        /** The watch ended without the client asking (too slow, the store moved or went away). */
        void cancelled(String reason, long resumeRevision);

        boolean writeQueueFull();

        void drainHandler(Runnable onDrain);

        void end();
    }

    private final Listener listener;
    private final Candidates candidates = new Candidates();
    private boolean opened;
    private Candidate leader;

    public ElectionWatch(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void open() {
        opened = true;
        listener.opened();
    }

    @Override
    public boolean opened() {
        return opened;
    }

    @Override
    public void snapshot(byte[] key, KeyValue entry) {
        candidates.put(key, entry);
    }

    @Override
    public void snapshotEnd(long revision) {
        leader = candidates.leader();
        listener.changed(candidates, revision, true);
    }

    @Override
    public void events(List<WatchEvent> batch) {
        batch.forEach(candidates::apply);
        Candidate now = candidates.leader();
        boolean changed = now == null ? leader != null : !now.sameAs(leader);
        leader = now;
        listener.changed(candidates, batch.get(batch.size() - 1).revision(), changed);
    }

    @Override
    public void progress(long revision) {
        listener.progress(revision);
    }

    @Override
    public void compacted(long oldestRevision) {
        listener.cancelled("compacted", oldestRevision);
    }

    @Override
    public void cancelled(String reason, long resumeRevision) {
        listener.cancelled(reason, resumeRevision);
    }

    @Override
    public boolean writeQueueFull() {
        return listener.writeQueueFull();
    }

    @Override
    public void drainHandler(Runnable onDrain) {
        listener.drainHandler(onDrain);
    }

    @Override
    public void end() {
        listener.end();
    }
}
