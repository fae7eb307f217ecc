package io.dkv.gateway.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EarlyCommitPolicyTest {
    private final EarlyCommitPolicy policy = new EarlyCommitPolicy();

    @Test
    void aLoneWriterCommitsEveryCommandAtOnce() {
        for (int i = 0; i < 5; i++) {
            assertThat(sent("s")).as("command %d", i).isTrue();
            policy.answered("s", 1, i + 1);
        }
    }

    @Test
    void theCommandThatCompletesTheAnsweredBatchIsMarked() {
        policy.answered("s", 64, 640);

        assertThat(IntStream.range(0, 63).mapToObj(i -> sent("s"))).as("the first 63 resends").containsOnly(false);
        assertThat(sent("s")).as("the 64th").isTrue();
    }

    @Test
    void theMarkCarriesTheHighestRevisionOfItsAnswer() {
        Command first = command("s");
        policy.sent(first);
        assertThat(first.getAnsweredRevision()).as("no answer yet").isEqualTo(-1);

        policy.answered("s", 2, 17);
        Command unmarked = command("s");
        Command marked = command("s");
        policy.sent(unmarked);
        policy.sent(marked);

        assertThat(unmarked.getCommitNow()).isFalse();
        assertThat(unmarked.getAnsweredRevision()).isEqualTo(-1);
        assertThat(marked.getCommitNow()).isTrue();
        assertThat(marked.getAnsweredRevision()).isEqualTo(17);
    }

    @Test
    void onlyOneCommandIsMarkedPerAnswer() {
        assertThat(sent("s")).isTrue();
        assertThat(IntStream.range(0, 10).mapToObj(i -> sent("s"))).as("commands sent before any answer").containsOnly(false);

        policy.answered("s", 2, 5);
        assertThat(sent("s")).isFalse();
        assertThat(sent("s")).isTrue();
        assertThat(sent("s")).isFalse();
    }

    @Test
    void aSmallerAnswerSetsASmallerBatch() {
        policy.answered("s", 64, 64);
        policy.answered("s", 3, 67);

        assertThat(sent("s")).isFalse();
        assertThat(sent("s")).isFalse();
        assertThat(sent("s")).isTrue();
    }

    @Test
    void storesAreJudgedApart() {
        policy.answered("busy", 64, 64);

        assertThat(sent("busy")).isFalse();
        assertThat(sent("quiet")).isTrue();
    }

    private boolean sent(String store) {
        Command command = command(store);
        policy.sent(command);
        return command.getCommitNow();
    }

    private static Command command(String store) {
        return Command.newBuilder().setRequestId("r").setStore(store).setType(CommandType.SYNC).build();
    }
}
