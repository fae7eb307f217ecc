package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A watcher survives a restart of the DKV process it watched through (gateway and Streams
 * instance both): it reconnects with Last-Event-ID and gets exactly the changes it missed, in
 * order, then live ones.
 */
class WatchRestartTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void resumeAfterRestartDeliversEveryMissedChangeOnce() throws Exception {
        DkvConfig config = TestDkv.config();
        String lastId;
        List<Long> expected = new ArrayList<>();
        try (DkvServer first = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(first.port());
            http.put("/v1/stores/rs", "");
            try (SseClient watch = SseClient.open(first.port(), "/v1/stores/rs/watch?prefix=job:&snapshot=true")) {
                watch.until("snapshot-end", WAIT);
                http.put("/v1/stores/rs/kv/job:1", "a");
                lastId = watch.nextChange(WAIT).id();
            }
            expected.add(http.put("/v1/stores/rs/kv/job:2", "b").json().getLong("revision"));
        }
        try (DkvServer second = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(second.port());
            expected.add(http.put("/v1/stores/rs/kv/job:3", "c").json().getLong("revision"));
            try (SseClient resumed = SseClient.open(second.port(), "/v1/stores/rs/watch?prefix=job:", "Last-Event-ID", lastId)) {
                List<Long> got = new ArrayList<>();
                got.add(resumed.nextChange(WAIT).revision());
                got.add(resumed.nextChange(WAIT).revision());
                assertThat(got).isEqualTo(expected);
                long live = http.delete("/v1/stores/rs/kv/job:1").json().getLong("revision");
                SseClient.Message deleted = resumed.nextChange(WAIT);
                assertThat(deleted.event()).isEqualTo("delete");
                assertThat(deleted.revision()).isEqualTo(live);
            }
        }
    }
}
