package io.dkv.streams.kv.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RebuildDeadlineTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void theLimitIsTheMainConsumersSettingAsKafkaStreamsResolvesIt() {
        assertThat(RebuildDeadline.maxPollInterval(Map.of())).isEqualTo(Duration.ofMinutes(5));
        assertThat(RebuildDeadline.maxPollInterval(Map.of("max.poll.interval.ms", "600000"))).isEqualTo(Duration.ofMinutes(10));
        assertThat(RebuildDeadline.maxPollInterval(Map.of("max.poll.interval.ms", 600000, "consumer.max.poll.interval.ms", "700000")))
                .isEqualTo(Duration.ofMillis(700_000));
        assertThat(RebuildDeadline.maxPollInterval(Map.of("consumer.max.poll.interval.ms", "700000",
                "main.consumer.max.poll.interval.ms", 900000))).isEqualTo(Duration.ofMillis(900_000));
    }

    @Test
    void aRebuildProjectedPastTheLimitIsReportedOnceWithItsProjection() {
        RebuildDeadline deadline = new RebuildDeadline(Duration.ofSeconds(300), 0);
        // 10 s for the first tenth of a store: 100 s in all, within the limit.
        assertThat(deadline.overrun(0, 10 * SECOND, 1_000, 10_000)).isEmpty();
        // 10 s for the first thirtieth, after 5 s spent on earlier stores: 5 + 300 s.
        assertThat(deadline.overrun(5 * SECOND, 15 * SECOND, 1_000, 30_000)).contains(Duration.ofSeconds(305));
        assertThat(deadline.overrun(5 * SECOND, 20 * SECOND, 1_000, 30_000)).isEmpty();
    }

    @Test
    void noProjectionIsMadeFromTooLittleReading() {
        RebuildDeadline deadline = new RebuildDeadline(Duration.ofSeconds(1), 0);
        assertThat(deadline.overrun(0, SECOND / 2, 1, 1_000_000)).isEmpty();
        assertThat(deadline.overrun(0, 2 * SECOND, 0, 1_000_000)).isEmpty();
        assertThat(deadline.overrun(0, 2 * SECOND, 1, 1_000_000)).isPresent();
    }
}
