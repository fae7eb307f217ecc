package io.dkv.gateway.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EarlyCommitPolicyTest {
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final EarlyCommitPolicy policy = new EarlyCommitPolicy(clock::get);

    @Test
    void aLoneWriterCommitsEveryCommandAtOnce() {
        for (int i = 0; i < 5; i++) {
            assertThat(policy.sent("s")).isTrue();
            clock.addAndGet(1_000_000);
            policy.answered("s");
        }
    }

    @Test
    void commandsSentWhileOthersWaitShareTheInterval() {
        assertThat(policy.sent("s")).isTrue();
        assertThat(policy.sent("s")).isFalse();
        assertThat(policy.sent("s")).isFalse();
    }

    @Test
    void theFirstCommandAfterABurstIsNotALoneWriter() {
        for (int i = 0; i < 64; i++) {
            policy.sent("s");
        }
        for (int i = 0; i < 64; i++) {
            policy.answered("s");
        }
        clock.addAndGet(1_000_000);

        assertThat(policy.sent("s")).as("a closed loop's first resend after a commit").isFalse();
    }

    @Test
    void aWriterIsAloneAgainAfterTheQuietPeriod() {
        policy.sent("s");
        policy.sent("s");
        policy.answered("s");
        policy.answered("s");

        clock.addAndGet(EarlyCommitPolicy.QUIET_NANOS);
        assertThat(policy.sent("s")).as("still within the quiet period").isFalse();
        policy.answered("s");

        clock.addAndGet(EarlyCommitPolicy.QUIET_NANOS + 1);
        assertThat(policy.sent("s")).isTrue();
    }

    @Test
    void storesAreJudgedApart() {
        policy.sent("busy");
        policy.sent("busy");

        assertThat(policy.sent("quiet")).isTrue();
    }
}
