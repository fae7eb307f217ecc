package io.dkv.streams.internals;

/**
 * The commit clock of one stream thread: when the oldest command of its open transaction arrived,
 * and when the thread's last commit ended.
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
    private int batchSize;
    private int lastBatchSize;
    private long oldestNanos;
    private long lastCommitEndNanos = System.nanoTime();

    static CommitPacer forCurrentThread() {
        return PER_THREAD.get();
    }

    /** A command joined the open transaction at {@code nowNanos}. */
    void arrived(long nowNanos) {
        batchSize++;
        if (!open) {
            open = true;
            oldestNanos = nowNanos;
        }
    }

    /**
     * Whether the open transaction holds a command that has waited at least {@code longestWaitNanos}
     * since the thread was last free to commit. Time spent in a commit does not count: commands that
     * arrive during one would otherwise be overdue when it ends and be committed apart from the
     * batch that the commit's answers bring back.
     */
    boolean overdue(long nowNanos, long longestWaitNanos) {
        return open && nowNanos - Math.max(oldestNanos, lastCommitEndNanos) >= longestWaitNanos;
    }

    /** A command marked the batch its gateway expects as complete. */
    void batchComplete() {
        batchComplete = true;
    }

    /**
     * Whether the open transaction should commit now: it is {@link #overdue}, or a command completed
     * its gateway's batch and either the last commit held a single command (a lone writer: nobody else
     * is coming) or {@code gapNanos} have passed since the last commit ended. The gap keeps two
     * groups of a closed loop from alternating: each group's batch would otherwise be complete while
     * the other commits, and every commit would carry half the clients; waiting for the answered
     * group's resends lets one commit take both.
     */
    boolean due(long nowNanos, long longestWaitNanos, long gapNanos) {
        return overdue(nowNanos, longestWaitNanos)
                || open && batchComplete && (lastBatchSize <= 1 || nowNanos - lastCommitEndNanos >= gapNanos);
    }

    /** Whether the thread has commands that no commit has been asked for yet. */
    boolean open() {
        return open;
    }

    /** A commit was asked for: every command so far belongs to it. */
    void committing() {
        open = false;
        batchComplete = false;
        lastBatchSize = batchSize;
        batchSize = 0;
    }

    /** The thread's transaction committed at {@code nowNanos}. */
    void committed(long nowNanos) {
        lastCommitEndNanos = nowNanos;
    }
}
