package io.dkv.gateway.internals;

import io.dkv.schemas.Command;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides which commands ask for an early commit ({@code Command.commitNow}): the command that
 * completes a store's returning batch. When replies that arrive together answer {@code n} of this
 * gateway's commands of a store (one committed transaction's), the clients behind them typically
 * send again at once; the {@code n}-th command sent after that answer is marked, so its transaction
 * commits as soon as the whole batch is in instead of when its oldest command has waited the commit
 * interval. Only one command is marked per answer, and commands that arrived while the previous
 * transaction committed join the marked one's transaction. A lone writer's batch is one command, so
 * each of its commands commits at once.
 *
 * <p>Batches must not be split: a closed loop of clients that lands in two transactions makes each
 * half wait for the other's commit. Counting the answered batch (not the commands in flight) keeps
 * it whole: the first client to send again after a commit does not look alone. If fewer clients come
 * back, what did is sent when the command linger ends and the commit interval commits it, and that
 * smaller answer sets the next batch. The mark carries the highest store revision of the answer
 * ({@code Command.answeredRevision}): when a batch was split in two, the half answered first is back
 * while the other half's transaction commits, and the processor commits only at the mark of the half
 * its latest commit answered, which joins them again.
 *
 * <p>Thread-safe. {@link #sent} must be called in the order the commands are appended, as the mark
 * means "every command of the batch is before this one in the log".
 */
final class EarlyCommitPolicy {
    /** One small entry per store this gateway has written to; a deleted store's stays until restart. */
    private final Map<String, Batch> batches = new HashMap<>();

    private static final class Batch {
        int expected = 1;
        int sentSinceAnswer;
        boolean marked;
        long answeredRevision = -1;
    }

    /**
     * Counts the command as appended next to its store; if it completes the expected batch, sets its
     * {@code commitNow} and {@code answeredRevision}.
     */
    synchronized void sent(Command command) {
        Batch batch = batches.computeIfAbsent(command.getStore(), s -> new Batch());
        batch.sentSinceAnswer++;
        if (!batch.marked && batch.sentSinceAnswer >= batch.expected) {
            batch.marked = true;
            command.setCommitNow(true);
            command.setAnsweredRevision(batch.answeredRevision);
        }
    }

    /**
     * Records that {@code count} commands of {@code store} sent by this gateway were answered
     * together, the highest reply revision among them being {@code revision}.
     */
    synchronized void answered(String store, int count, long revision) {
        Batch batch = batches.computeIfAbsent(store, s -> new Batch());
        batch.expected = Math.max(1, count);
        batch.answeredRevision = revision;
        batch.sentSinceAnswer = 0;
        batch.marked = false;
    }
}
