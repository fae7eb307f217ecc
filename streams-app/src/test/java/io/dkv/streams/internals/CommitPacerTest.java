package io.dkv.streams.internals;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitPacerTest {
    private static final long WAIT = 5_000_000L;
    private static final long LONGEST = 4 * WAIT;
    private final CommitPacer pacer = new CommitPacer();

    @Test
    void aThreadIsIdleOnlyAfterAPollIntervalWithoutCommandsAndWithNothingOpen() {
        assertThat(pacer.idleSincePreviousPoll()).as("nothing happened yet").isTrue();
        pacer.arrived(System.nanoTime());
        assertThat(pacer.idleSincePreviousPoll()).as("a transaction is open").isFalse();
        pacer.committing();
        pacer.committed();
        assertThat(pacer.idleSincePreviousPoll()).as("committed, and no command since the previous poll").isTrue();
        pacer.arrived(System.nanoTime());
        pacer.committing();
        pacer.committed();
        assertThat(pacer.idleSincePreviousPoll()).as("a command in this interval, committed within it").isFalse();
        assertThat(pacer.idleSincePreviousPoll()).as("a whole interval without commands").isTrue();
    }

    @Test
    void nothingIsOverdueWithoutCommands() {
        assertThat(pacer.open()).isFalse();
        assertThat(pacer.overdue(System.nanoTime() + 10 * WAIT, WAIT, LONGEST)).isFalse();
    }

    @Test
    void aQuietTransactionIsOverdue() {
        long t = System.nanoTime();
        pacer.arrived(t);
        pacer.arrived(t + WAIT / 2);

        assertThat(pacer.overdue(t + WAIT / 2 + WAIT - 1, WAIT, LONGEST)).as("quiet just under the wait").isFalse();
        assertThat(pacer.overdue(t + WAIT / 2 + WAIT, WAIT, LONGEST)).isTrue();
    }

    @Test
    void whileCommandsKeepComingTheOldestSetsTheDeadline() {
        long t = System.nanoTime();
        for (long at = t; at < t + LONGEST; at += WAIT / 2) {
            pacer.arrived(at);
            assertThat(pacer.overdue(at, WAIT, LONGEST)).as("at +%d ns", at - t).isFalse();
        }
        assertThat(pacer.overdue(t + LONGEST, WAIT, LONGEST)).isTrue();
    }

    @Test
    void askingForACommitClosesTheBatch() {
        long t = System.nanoTime();
        pacer.arrived(t);
        pacer.committing();

        assertThat(pacer.open()).isFalse();
        assertThat(pacer.overdue(t + 10 * WAIT, WAIT, LONGEST)).isFalse();

        pacer.arrived(t + 10 * WAIT);
        assertThat(pacer.overdue(t + 11 * WAIT - 1, WAIT, LONGEST)).as("a new batch has its own deadline").isFalse();
    }

    @Test
    void commandsProcessedAfterTheAskBelongToTheCommit() {
        long t = System.nanoTime();
        pacer.arrived(t);
        pacer.committing();
        pacer.arrived(t + 1);
        pacer.batchComplete();
        pacer.committed();

        assertThat(pacer.open()).as("Kafka Streams committed them too").isFalse();
        assertThat(pacer.due(t + 10 * WAIT, WAIT, LONGEST)).isFalse();
    }

    @Test
    void aCompleteBatchCommitsAtOnce() {
        long t = System.nanoTime();
        pacer.arrived(t);
        assertThat(pacer.due(t, WAIT, LONGEST)).as("before the mark").isFalse();

        pacer.batchComplete();
        assertThat(pacer.due(t, WAIT, LONGEST)).isTrue();
    }

    @Test
    void onlyTheMarkOfTheBatchTheLatestCommitAnsweredCounts() {
        pacer.arrived(System.nanoTime());
        pacer.applied("s", 10);
        pacer.committed();
        pacer.arrived(System.nanoTime());
        pacer.applied("s", 12);

        assertThat(pacer.answersLatestCommit("s", 10)).as("answered by the commit that ended at 10").isTrue();
        assertThat(pacer.answersLatestCommit("s", 7)).as("answered by an earlier commit").isFalse();
        assertThat(pacer.answersLatestCommit("s", -1)).as("a gateway that does not say").isTrue();
        assertThat(pacer.answersLatestCommit("other", 3)).as("a store the thread has not committed").isTrue();

        pacer.committed();
        assertThat(pacer.answersLatestCommit("s", 10)).as("after the commit that ended at 12").isFalse();
        assertThat(pacer.answersLatestCommit("s", 12)).isTrue();
    }
}
