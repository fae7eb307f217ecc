package io.dkv.streams.internals;

import java.util.HashMap;
import java.util.Map;

/**
 * The commit clock of one stream thread: when the oldest and the newest command of its open
 * transaction were processed, whether the batch a gateway expects is in, and which revision each
 * store had at the thread's last commit.
 * Under exactly-once v2 a stream thread has one transaction for all its tasks, and DKV asks for
 * every commit itself ({@link CommandProcessor}), so the thread's tasks share one pacer
 * ({@link #forCurrentThread()}). Kafka Streams' own {@code commit.interval.ms} cannot serve: a
 * commit asked for by a processor does not restart it, so it would also fire just after such a commit
 * and split the next batch.
 *
 * <p>Not thread-safe: only its own stream thread uses it. Times are {@link System#nanoTime()} values.
 */
final class CommitPacer {
    private static final ThreadLocal<CommitPacer> PER_THREAD = ThreadLocal.withInitial(CommitPacer::new);

    private boolean open;
    private boolean batchComplete;
    private boolean processedSincePoll;
    private long oldestNanos;
    private long newestNanos;
    /** The latest revision of every store written since the last commit. */
    private final Map<String, Long> openRevisions = new HashMap<>();
    /** Each store's revision at the thread's last commit of it; a deleted store's stays until restart. */
    private final Map<String, Long> committedRevisions = new HashMap<>();

    static CommitPacer forCurrentThread() {
        return PER_THREAD.get();
    }

    /** A command joined the open transaction at {@code nowNanos}. */
    void arrived(long nowNanos) {
        newestNanos = nowNanos;
        processedSincePoll = true;
        if (!open) {
            open = true;
            oldestNanos = nowNanos;
        }
    }

    /** A command of the open transaction left {@code store} at {@code revision}. */
    void applied(String store, long revision) {
        openRevisions.put(store, revision);
    }

    /**
     * Whether a batch mark whose answer saw {@code answeredRevision} of {@code store} belongs to the
     * batch that the thread's latest commit answered. A mark of a batch answered by an earlier commit
     * arrives while the latest one is still coming back (two groups of a closed loop in turn), so
     * committing at it would split them again; committing at the latest batch's mark joins them.
     * A negative revision (the gateway did not say) counts as the latest.
     */
    boolean answersLatestCommit(String store, long answeredRevision) {
        return answeredRevision < 0 || answeredRevision >= committedRevisions.getOrDefault(store, -1L);
    }

    /**
     * Whether the open transaction should commit without waiting for a batch mark: no command has
     * joined it for {@code quietNanos}, or its oldest command has waited {@code longestNanos}.
     * While commands keep coming a batch is still arriving: 64 clients' resends reach the thread over
     * more than 5 ms here, and a deadline counted from the first of them split almost every batch.
     * Commands processed during a commit's run-up belong to that commit (see {@link #committed}), so
     * a wait starts after the last commit.
     */
    boolean overdue(long nowNanos, long quietNanos, long longestNanos) {
        return open && (nowNanos - newestNanos >= quietNanos || nowNanos - oldestNanos >= longestNanos);
    }

    /** The command that completes the batch its gateway expects back was processed. */
    void batchComplete() {
        batchComplete = true;
    }

    /** Whether the open transaction should commit now: its batch is in, or it is {@link #overdue}. */
    boolean due(long nowNanos, long quietNanos, long longestNanos) {
        return open && batchComplete || overdue(nowNanos, quietNanos, longestNanos);
    }

    /** Whether the thread has commands that no commit has been asked for yet. */
    boolean open() {
        return open;
    }

    /**
     * Whether the thread has nothing to do: no open transaction, and no command processed since the
     * previous call (made by the thread's consumer at each poll, which starts the next interval).
     */
    boolean idleSincePreviousPoll() {
        boolean idle = !open && !processedSincePoll;
        processedSincePoll = false;
        return idle;
    }

    /** A commit was asked for: every command so far belongs to it. */
    void committing() {
        open = false;
        batchComplete = false;
    }

    /**
     * The thread's transaction committed. Kafka Streams keeps processing the records of the running
     * iteration after a commit is asked for and commits them too (as does its own periodic commit),
     * so every command processed so far is now committed.
     */
    void committed() {
        committing();
        committedRevisions.putAll(openRevisions);
        openRevisions.clear();
    }
}
