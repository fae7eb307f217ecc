package io.dkv.gateway.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EarlyCommitPolicyTest {
    private final EarlyCommitPolicy policy = new EarlyCommitPolicy();

    @Test
    void aLoneWriterCommitsEveryCommandAtOnce() {
        for (int i = 0; i < 5; i++) {
            assertThat(policy.sent("s")).as("command %d", i).isTrue();
            policy.answered("s", 1);
        }
    }

    @Test
    void theCommandThatCompletesTheAnsweredBatchIsMarked() {
        policy.answered("s", 64);

        assertThat(IntStream.range(0, 63).mapToObj(i -> policy.sent("s"))).as("the first 63 resends").containsOnly(false);
        assertThat(policy.sent("s")).as("the 64th").isTrue();
    }

    @Test
    void onlyOneCommandIsMarkedPerAnswer() {
        assertThat(policy.sent("s")).isTrue();
        assertThat(IntStream.range(0, 10).mapToObj(i -> policy.sent("s"))).as("commands sent before any answer").containsOnly(false);

        policy.answered("s", 2);
        assertThat(policy.sent("s")).isFalse();
        assertThat(policy.sent("s")).isTrue();
        assertThat(policy.sent("s")).isFalse();
    }

    @Test
    void aSmallerAnswerSetsASmallerBatch() {
        policy.answered("s", 64);
        policy.answered("s", 3);

        assertThat(policy.sent("s")).isFalse();
        assertThat(policy.sent("s")).isFalse();
        assertThat(policy.sent("s")).isTrue();
    }

    @Test
    void storesAreJudgedApart() {
        policy.answered("busy", 64);

        assertThat(policy.sent("busy")).isFalse();
        assertThat(policy.sent("quiet")).isTrue();
    }
}
