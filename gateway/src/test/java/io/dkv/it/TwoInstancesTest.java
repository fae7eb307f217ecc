package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.server.DkvServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Two DKV processes on one cluster share the stores: a write through one is readable through the
 * other (which forwards to the owner) with read-your-writes, either lists every store, and a
 * snapshot watch opened on either is served (relayed from the owner when needed).
 */
class TwoInstancesTest {

    @Test
    void writesThroughOneInstanceAreReadableThroughTheOther() throws Exception {
        String prefix = "two" + UUID.randomUUID().toString().substring(0, 6);
        try (DkvServer a = TestDkv.start(TestDkv.config(prefix, TestDkv.tempDir()));
                DkvServer b = TestDkv.start(TestDkv.config(prefix, TestDkv.tempDir()))) {
            DkvHttp viaA = new DkvHttp(a.port());
            DkvHttp viaB = new DkvHttp(b.port());
            List<String> stores = IntStream.range(0, 16).mapToObj(i -> "s" + i).toList();
            await().atMost(Duration.ofSeconds(60)).until(() -> viaA.get("/ready").status() == 200 && viaB.get("/ready").status() == 200);
            stores.forEach(s -> await().atMost(Duration.ofSeconds(30)).until(() -> viaA.put("/v1/stores/" + s, "").status() < 300));

            for (String store : stores) {
                DkvHttp.Response put = viaA.put("/v1/stores/" + store + "/kv/k", "from-a-" + store);
                assertThat(put.status()).as(put.toString()).isEqualTo(201);
                long revision = put.json().getLong("revision");
                DkvHttp.Response read = viaB.get("/v1/stores/" + store + "/kv/k", "DKV-Min-Revision", Long.toString(revision));
                assertThat(read.status()).as(read.toString()).isEqualTo(200);
                assertThat(read.text()).isEqualTo("from-a-" + store);
                assertThat(read.revision()).isGreaterThanOrEqualTo(revision);

                DkvHttp.Response update = viaB.put("/v1/stores/" + store + "/kv/k", "from-b");
                JsonObject seen = viaA.get("/v1/stores/" + store + "/kv/k?view=json", "DKV-Min-Revision",
                        update.json().getLong("revision").toString()).json();
                assertThat(seen.getString("value")).isEqualTo("from-b");
            }
            for (String store : stores) {
                // A snapshot is read where the store lives: half of these are relayed from the other instance.
                try (SseClient watch = SseClient.open(b.port(), "/v1/stores/" + store + "/watch?prefix=&snapshot=true")) {
                    List<SseClient.Message> snapshot = watch.until("snapshot-end", Duration.ofSeconds(20));
                    assertThat(snapshot.get(0).key()).isEqualTo("k");
                    assertThat(snapshot.get(0).data().getString("value")).isEqualTo("from-b");
                    long put = viaA.put("/v1/stores/" + store + "/kv/k2", "live").json().getLong("revision");
                    assertThat(watch.nextChange(Duration.ofSeconds(20)).revision()).isEqualTo(put);
                }
            }
            assertThat(viaB.get("/v1/stores").json().getJsonArray("stores")).hasSize(stores.size());
            assertThat(viaA.get("/v1/stores").json().getJsonArray("stores")).hasSize(stores.size());
        }
    }
}
