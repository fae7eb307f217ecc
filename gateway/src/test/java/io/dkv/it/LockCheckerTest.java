package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mutual exclusion under stalls: 20 workers, a quarter of their critical sections stalling past the
 * lock's TTL before their write. DKV rejects every late write itself, so each counter equals the
 * number of acknowledged increments and no section reads a value written under a later token.
 *
 * <p>On 1,000 keys each worker runs 200 sections. On one key every section waits for all the others,
 * and a stall holds the key for its whole TTL: 20 × 200 sections take about nine minutes here, so the
 * suite runs 20 × 20 and {@code -Ddkv.lockChecker.oneKeySections=200} runs the full count.
 */
class LockCheckerTest {
    private static final long TTL_MS = 300;
    private static DkvServer server;

    @BeforeAll
    static void start() {
        DkvConfig config = TestDkv.config();
        config.leaseMinTtlMs = 100;
        config.leaseExpiryCheckMs = 20;
        server = TestDkv.start(config);
        assertThat(new DkvHttp(server.port()).put("/v1/stores/m", "").status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void oneKey() throws Exception {
        int sections = Integer.getInteger("dkv.lockChecker.oneKeySections", 20);
        check(new LockChecker("m", List.of(new DkvHttp(server.port())), TTL_MS).run(20, sections, 1, 0.25), sections);
    }

    @Test
    void aThousandKeys() throws Exception {
        check(new LockChecker("m", List.of(new DkvHttp(server.port())), TTL_MS).run(20, 200, 1000, 0.25), 200);
    }

    static void check(LockChecker.Result result, int sectionsPerWorker) {
        assertThat(result.sections()).isEqualTo(20L * sectionsPerWorker);
        assertThat(result.stalls()).as("the run stalled sections").isPositive();
        assertThat(result.stalledAccepted()).as("late writes of stalled holders that DKV accepted").isEmpty();
        assertThat(result.stalledRejected()).isEqualTo(result.stalls());
        assertThat(result.tokenViolations()).as("values read under an earlier token than their writer's").isEmpty();
        assertThat(result.counters()).as("each counter is its acknowledged increments").isEqualTo(result.acknowledged());
    }
}
