package io.dkv.streams.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.streams.internals.HangingTransactionRepair.Outcome;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HangingTransactionRepairTest {
    @Test
    void aTransactionWhoseRequestsAreBehindTheCommittedOffsetCommitted() {
        assertThat(HangingTransactionRepair.outcome(Set.of("a", "b"), List.of("c", "d"))).contains(Outcome.COMMIT);
        assertThat(HangingTransactionRepair.outcome(Set.of("a", "b"), List.of())).contains(Outcome.COMMIT);
    }

    @Test
    void aTransactionWhoseRequestsWillBeProcessedAgainAborted() {
        assertThat(HangingTransactionRepair.outcome(Set.of("a", "b"), List.of("a", "b", "c"))).contains(Outcome.ABORT);
    }

    @Test
    void anythingElseIsNotGuessed() {
        assertThat(HangingTransactionRepair.outcome(Set.of("a", "b"), List.of("b", "c"))).isEmpty();
        assertThat(HangingTransactionRepair.outcome(Set.of(), List.of("a"))).isEmpty();
    }
}
