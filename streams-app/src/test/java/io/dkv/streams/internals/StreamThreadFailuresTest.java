package io.dkv.streams.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.kafka.RequiredAcls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {
    private static final Duration WINDOW = Duration.ofMinutes(10);
    private final AtomicLong now = new AtomicLong();
    private final StreamThreadFailures failures = new StreamThreadFailures(3, WINDOW, Path.of("/data/streams"), now::get,
            failure -> RequiredAcls.explain(failure, "dkv", "dkv"));

    @Test
    void aFailureThatKeepsComingBackStopsTheClientWithTheWayOut() {
        RuntimeException fault = new IllegalStateException("rebuilding store orders failed", new RuntimeException("bad record"));
        assertThat(failures.handle(fault)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        assertThat(failures.handle(fault)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.gaveUp()).isNotDone();
        now.addAndGet(Duration.ofSeconds(20).toNanos());

        assertThat(failures.handle(fault)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(failures.gaveUp()).isCompleted();
        assertThat(failures.gaveUp().join()).contains("3 times", "rebuilding store orders failed", "bad record", "delete /data/streams");
    }

    @Test
    void failuresFurtherApartThanTheWindowAreEachReplaced() {
        for (int i = 0; i < 10; i++) {
            assertThat(failures.handle(new RuntimeException("broker slow"))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            now.addAndGet(WINDOW.dividedBy(2).plusSeconds(1).toNanos());
        }
        assertThat(failures.gaveUp()).isNotDone();
    }

    @Test
    void committedOffsetsThatStayUnreadableNameTheHangingTransactionNotTheStateDirectory() {
        RuntimeException fault = new StreamsException(new TimeoutException(
                "Timeout of 60000ms expired before the last committed offset for partitions [dkv.commands-1] could be determined"));
        failures.handle(fault);
        failures.handle(fault);

        assertThat(failures.handle(fault)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(failures.gaveUp().join()).contains("dkv.commands-1", "find-hanging", "kafka-transactions.sh abort")
                .doesNotContain("delete /data/streams");
    }

    @Test
    void aFailureNoReplacementCanGetPastStopsTheClientAtOnceWithItsExplanation() {
        assertThat(failures.handle(new StreamsException(new GroupAuthorizationException("denied", "dkv"))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(failures.gaveUp().join()).contains("consumer group dkv", "bin/dkv acls");
    }
}
