package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.server.DkvServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A gateway does not read the reply partitions of the tasks running in its process, whose replies
 * its Streams instance reports at commit, and reads them again when the tasks move away: writes
 * through it are answered before, while and after another instance takes over some of its stores
 * and gives them back.
 */
class LocalRepliesTest {
    private static final Pattern SKIPPED = Pattern.compile("(?m)^dkv_command_replies_skipped_partitions (\\S+)$");
    private static final int PARTITIONS = 4;

    @Test
    void writesAreAnsweredWhenTheirStoresMoveToAnotherInstanceAndBack() {
        String prefix = "lr" + UUID.randomUUID().toString().substring(0, 6);
        // Keyed by name, s0 to s19 cover the four command partitions (only s16 and s18 land on the third).
        List<String> stores = IntStream.range(0, 20).mapToObj(i -> "s" + i).toList();
        try (DkvServer a = TestDkv.start(TestDkv.config(prefix, TestDkv.tempDir()))) {
            DkvHttp viaA = new DkvHttp(a.port());
            stores.forEach(s -> assertThat(viaA.put("/v1/stores/" + s, "").status()).isEqualTo(201));
            writeAll(viaA, stores, "alone");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                writeAll(viaA, stores, "alone");
                assertThat(skipped(viaA)).as("every reply partition is local").isEqualTo(PARTITIONS);
            });

            try (DkvServer b = TestDkv.start(TestDkv.config(prefix, TestDkv.tempDir()))) {
                DkvHttp viaB = new DkvHttp(b.port());
                // Every write through A is answered while the tasks move: those of B's stores from the topic.
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    writeAll(viaA, stores, "shared");
                    writeAll(viaB, stores, "shared");
                    assertThat(skipped(viaB)).as("partitions local to B").isPositive();
                    assertThat(skipped(viaA)).as("partitions local to A").isPositive().isEqualTo(PARTITIONS - skipped(viaB));
                });
                writeAll(viaA, stores, "shared");
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                writeAll(viaA, stores, "alone again");
                assertThat(skipped(viaA)).as("every reply partition is local again").isEqualTo(PARTITIONS);
            });
        }
    }

    /** Writes every store once and checks each write was answered with its outcome and read back. */
    private static void writeAll(DkvHttp http, List<String> stores, String value) {
        for (String store : stores) {
            DkvHttp.Response put = http.put("/v1/stores/" + store + "/kv/k", value);
            assertThat(put.status()).as("%s: %s", store, put).isIn(200, 201);
            DkvHttp.Response read = http.get("/v1/stores/" + store + "/kv/k", "DKV-Min-Revision", Long.toString(put.revision()));
            assertThat(read.text()).as(store).isEqualTo(value);
        }
    }

    private static int skipped(DkvHttp http) {
        Matcher m = SKIPPED.matcher(http.get("/metrics").text());
        assertThat(m.find()).as("dkv_command_replies_skipped_partitions in /metrics").isTrue();
        return (int) Double.parseDouble(m.group(1));
    }
}
