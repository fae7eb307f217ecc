package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The edges of watching: a watcher that cannot keep up, and history that compaction removed. */
class WatchLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static DkvConfig config;
    private static DkvServer server;
    private static DkvHttp http;

    @BeforeAll
    static void start() {
        config = TestDkv.config();
        config.watchQueueLimit = 4;
        config.watchProgressMs = 300;
        server = TestDkv.start(config);
        http = new DkvHttp(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void watcherThatDoesNotReadIsCancelledAsSlowConsumerWhileOthersGetEverything() throws Exception {
        http.put("/v1/stores/slow", "");
        String value = "x".repeat(128 * 1024);
        try (Socket stalled = new Socket();
                SseClient healthy = SseClient.open(server.port(), "/v1/stores/slow/watch?prefix=k")) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("localhost", server.port()));
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /v1/stores/slow/watch?prefix=k HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            healthy.next(WAIT);
            await().atMost(WAIT).until(() -> http.get("/metrics").text().contains("dkv_watch_active 2.0"));

            long last = 0;
            for (int i = 0; i < 150; i++) {
                last = http.put("/v1/stores/slow/kv/k" + i, value).json().getLong("revision");
            }
            for (int i = 0; i < 150; i++) {
                assertThat(healthy.nextChange(WAIT).key()).isEqualTo("k" + i);
            }

            String stream = readAll(stalled.getInputStream());
            assertThat(stream).contains("event: cancelled");
            String data = stream.substring(stream.indexOf("event: cancelled"));
            JsonObject cancelled = new JsonObject(data.substring(data.indexOf("data: ") + 6, data.indexOf('\n', data.indexOf("data: "))));
            assertThat(cancelled.getString("reason")).isEqualTo("slow-consumer");
            assertThat(cancelled.getLong("resumeRevision")).isBetween(0L, last);
            await().atMost(WAIT).until(() -> http.get("/metrics").text().contains("dkv_watch_active 1.0"));
        }
    }

    @Test
    void resumeIntoCompactedHistorySaysSoAndNamesTheOldestResumableRevision() throws Exception {
        http.put("/v1/stores/cmp", "");
        compactAggressively(config.topicPrefix + ".store.cmp.changes");
        for (int i = 0; i < 30; i++) {
            http.put("/v1/stores/cmp/kv/same", "v" + i);
        }
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            http.put("/v1/stores/cmp/kv/roll", "r");
            try (SseClient watch = SseClient.open(server.port(), "/v1/stores/cmp/watch?prefix=&fromRevision=1")) {
                return watch.nextChange(WAIT).event().equals("compacted");
            }
        });
        SseClient.Message compacted;
        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/cmp/watch?prefix=&fromRevision=1")) {
            compacted = watch.nextChange(WAIT);
        }
        long oldest = compacted.data().getLong("revision");
        assertThat(oldest).isGreaterThan(1);

        try (SseClient watch = SseClient.open(server.port(), "/v1/stores/cmp/watch?prefix=&fromRevision=" + oldest)) {
            SseClient.Message first = watch.nextChange(WAIT);
            assertThat(first.event()).isIn("put", "delete");
            assertThat(first.revision()).isEqualTo(oldest);
        }
    }

    private static void compactAggressively(String topic) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            Collection<AlterConfigOp> ops = List.of(
                    new AlterConfigOp(new ConfigEntry("min.compaction.lag.ms", "0"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("segment.ms", "100"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("min.cleanable.dirty.ratio", "0.01"), AlterConfigOp.OpType.SET));
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops)).all().get();
        }
    }

    private static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        int n;
        while (System.currentTimeMillis() < deadline && (n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            if (out.toString(StandardCharsets.UTF_8).contains("event: cancelled")) {
                String text = out.toString(StandardCharsets.UTF_8);
                if (text.indexOf("\n\n", text.indexOf("event: cancelled")) > 0) {
                    break;
                }
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
