package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The single-machine mode keeps every acknowledged write across a stop and start on the same data
 * directory: the embedded broker's log, the change topic and the Streams state all come back.
 */
class DurabilityTest {

    @Test
    void everyAcknowledgedWriteSurvivesARestartOnTheSameDataDirectory() {
        Path dataDir = TestDkv.tempDir();
        DkvConfig config = DkvConfig.defaults();
        config.dataDir = dataDir;
        config.port = 0;
        config.kafkaPort = 0;
        config.commandPartitions = 2;

        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        long storeRevision;
        try (DkvServer server = DkvServer.start(config)) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/durable", "").status()).isEqualTo(201);
            IntStream.range(0, 200).parallel().forEach(i -> {
                DkvHttp.Response put = http.put("/v1/stores/durable/kv/key-" + i, "value-" + i);
                assertThat(put.status()).isEqualTo(201);
                acknowledged.put("key-" + i, put.json().getLong("modRevision"));
            });
            storeRevision = http.get("/v1/stores/durable").json().getLong("revision");
        }
        assertThat(storeRevision).isEqualTo(200);

        try (DkvServer server = DkvServer.start(config)) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.get("/v1/stores/durable").json().getLong("revision")).isEqualTo(storeRevision);
            acknowledged.forEach((key, modRevision) -> {
                DkvHttp.Response get = http.get("/v1/stores/durable/kv/" + key);
                assertThat(get.status()).as(key).isEqualTo(200);
                assertThat(get.text()).isEqualTo(key.replace("key", "value"));
                assertThat(get.header("ETag")).isEqualTo("\"" + modRevision + "\"");
            });
            assertThat(http.put("/v1/stores/durable/kv/after-restart", "x").json().getLong("revision")).isEqualTo(201);
        }
    }
}
