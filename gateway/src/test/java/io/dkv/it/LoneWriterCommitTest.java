package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import org.junit.jupiter.api.Test;

/**
 * A gateway marks a command {@code commitNow} when nothing else of its store is in flight there,
 * and the stream thread then commits at once: a lone writer never waits for the commit interval.
 * The interval here is nine seconds (just under the transaction timeout) and the request timeout
 * three, so a put left to the interval would time out with a probability of two in three.
 */
class LoneWriterCommitTest {

    @Test
    void aLoneWritersCommandsAreCommittedWithoutWaitingForTheCommitInterval() {
        DkvConfig config = TestDkv.config();
        config.commitIntervalMs = 9_000;
        config.requestTimeoutMs = 3_000;
        try (DkvServer server = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/lone", "").status()).isEqualTo(201);
            for (int i = 1; i <= 20; i++) {
                DkvHttp.Response put = http.put("/v1/stores/lone/kv/k", "v" + i);
                assertThat(put.status()).as("put %d: %s", i, put).isIn(200, 201);
                assertThat(put.revision()).isEqualTo(i);
            }
            DkvHttp.Response read = http.get("/v1/stores/lone/kv/k", "DKV-Min-Revision", "20");
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.text()).isEqualTo("v20");
        }
    }
}
