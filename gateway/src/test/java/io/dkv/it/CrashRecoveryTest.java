package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.kafka.LocalPorts;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL of a DKV process under write load, with the broker surviving in this JVM: every
 * acknowledged write is present afterwards, and retrying the unacknowledged ones with their
 * request ids applies each write exactly once (version 1, and the store's revision counts each
 * write once, with no gap).
 */
class CrashRecoveryTest {

    @Test
    void acknowledgedWritesSurviveSigkillAndRetriesApplyExactlyOnce() throws Exception {
        Path dir = TestDkv.tempDir();
        String prefix = "crash" + UUID.randomUUID().toString().substring(0, 6);
        int port = LocalPorts.free();
        Path log = dir.resolve("dkv.log");
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();

        DkvProcess first = DkvProcess.start(prefix, dir.resolve("data"), port, log);
        DkvHttp http = new DkvHttp(port);
        assertThat(http.put("/v1/stores/crash", "").status()).isEqualTo(201);

        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writers = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            int writer = t;
            writers.submit(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String key = "w" + writer + "-" + i;
                    attempted.add(key);
                    try {
                        DkvHttp.Response put = http.put("/v1/stores/crash/kv/" + key, key, "DKV-Request-Id", key);
                        if (put.status() == 201) {
                            acknowledged.add(key);
                        }
                    } catch (UncheckedIOException e) {
                        return;
                    }
                }
            });
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 300);
        first.kill();
        stop.set(true);
        writers.shutdown();
        assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

        try (DkvProcess second = DkvProcess.start(prefix, dir.resolve("data"), port, log)) {
            for (String key : acknowledged) {
                DkvHttp.Response get = http.get("/v1/stores/crash/kv/" + key);
                assertThat(get.status()).as("acknowledged %s", key).isEqualTo(200);
                assertThat(get.text()).isEqualTo(key);
            }
            for (String key : attempted) {
                if (!acknowledged.contains(key)) {
                    DkvHttp.Response retry = http.put("/v1/stores/crash/kv/" + key, key, "DKV-Request-Id", key);
                    assertThat(retry.status()).as("retry of %s: %s", key, retry).isEqualTo(201);
                }
            }
            for (String key : attempted) {
                JsonObject entry = http.get("/v1/stores/crash/kv/" + key + "?view=json").json();
                assertThat(entry.getString("value")).isEqualTo(key);
                assertThat(entry.getLong("version")).as("writes applied to %s", key).isEqualTo(1);
            }
            JsonObject store = http.get("/v1/stores/crash").json();
            assertThat(store.getLong("keys")).isEqualTo(attempted.size());
            assertThat(store.getLong("revision")).isEqualTo(attempted.size());
        }
    }
}
