package io.dkv.streams.internals;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitPacerTest {
    private static final long WAIT = 5_000_000L;
    private static final long GAP = 3_000_000L;
    private final CommitPacer pacer = new CommitPacer();

    @Test
    void nothingIsOverdueWithoutCommands() {
        assertThat(pacer.open()).isFalse();
        assertThat(pacer.overdue(System.nanoTime() + 10 * WAIT, WAIT)).isFalse();
    }

    @Test
    void theOldestCommandSetsTheDeadline() {
        long t = System.nanoTime();
        pacer.arrived(t);
        pacer.arrived(t + WAIT / 2);

        assertThat(pacer.overdue(t + WAIT - 1, WAIT)).isFalse();
        assertThat(pacer.overdue(t + WAIT, WAIT)).isTrue();
    }

    @Test
    void timeSpentCommittingDoesNotCount() {
        long t = System.nanoTime();
        pacer.committing();
        pacer.arrived(t);
        pacer.committed(t + 4 * WAIT);

        assertThat(pacer.overdue(t + 4 * WAIT + WAIT - 1, WAIT)).as("just after the commit ended").isFalse();
        assertThat(pacer.overdue(t + 5 * WAIT, WAIT)).isTrue();
    }

    @Test
    void askingForACommitClosesTheBatch() {
        long t = System.nanoTime();
        pacer.arrived(t);
        pacer.committing();

        assertThat(pacer.open()).isFalse();
        assertThat(pacer.overdue(t + 10 * WAIT, WAIT)).isFalse();

        pacer.arrived(t + 10 * WAIT);
        assertThat(pacer.overdue(t + 11 * WAIT - 1, WAIT)).as("a new batch has its own deadline").isFalse();
    }

    @Test
    void aCompleteBatchCommitsAtOnceAfterALoneWritersCommit() {
        long t = System.nanoTime();
        pacer.arrived(t);
        pacer.committing();
        pacer.committed(t + WAIT);

        pacer.arrived(t + WAIT + 1);
        assertThat(pacer.due(t + WAIT + 1, WAIT, GAP)).as("before the mark").isFalse();
        pacer.batchComplete();
        assertThat(pacer.due(t + WAIT + 1, WAIT, GAP)).isTrue();
    }

    @Test
    void aCompleteBatchWaitsForTheGapAfterALargerCommit() {
        long t = System.nanoTime();
        pacer.arrived(t);
        pacer.arrived(t);
        pacer.committing();
        pacer.committed(t + WAIT);

        pacer.arrived(t + WAIT + 1);
        pacer.batchComplete();
        assertThat(pacer.due(t + WAIT + GAP - 1, WAIT, GAP)).as("within the gap").isFalse();
        assertThat(pacer.due(t + WAIT + GAP, WAIT, GAP)).isTrue();
    }
}
