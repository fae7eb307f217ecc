package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.DkvCodec;
import io.dkv.server.DkvServer;
import io.dkv.streams.kv.internals.KvRestorer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The {@code kv} state store has no changelog: an instance that takes a store over without local
 * state, or with a copy left on disk from an earlier run, rebuilds the store's keys from its change
 * topic. The rebuilt keys are the store's state, not only what reads return: versions, creation
 * revisions and conditions of later writes build on them.
 */
class KvRestoreTest {
    private static final String STORE = "/v1/stores/restored";

    @Test
    void anInstanceWithoutLocalStateRebuildsEveryKeyFromTheChangeTopic() throws Exception {
        String prefix = "rs" + UUID.randomUUID().toString().substring(0, 6);
        JsonArray written;
        JsonObject info;
        try (DkvServer first = TestDkv.start(TestDkv.config(prefix, TestDkv.tempDir()))) {
            DkvHttp http = new DkvHttp(first.port());
            assertThat(http.put(STORE, "").status()).isEqualTo(201);
            IntStream.range(0, 40).forEach(i -> assertThat(http.put(STORE + "/kv/k" + i, "v" + i).status()).isEqualTo(201));
            IntStream.range(0, 10).forEach(i -> assertThat(http.put(STORE + "/kv/k" + i, "w" + i).status()).isEqualTo(200));
            IntStream.range(10, 20).forEach(i -> assertThat(http.delete(STORE + "/kv/k" + i).status()).isEqualTo(200));
            assertThat(http.post(STORE + "/txn", """
                    {"then":[{"op":"put","key":"t1","value":"a"},{"op":"put","key":"t2","value":"b"},{"op":"delete","key":"k20"}]}
                    """).status()).isEqualTo(200);
            written = list(http);
            info = http.get(STORE).json();
        }
        assertThat(written).hasSize(31);
        assertThat(info.getLong("revision")).isEqualTo(61);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .contains(prefix + ".store.restored.changes", prefix + "-meta-changelog")
                    .doesNotContain(prefix + "-kv-changelog");
        }

        try (DkvServer second = TestDkv.start(TestDkv.config(prefix, TestDkv.tempDir()))) {
            DkvHttp http = new DkvHttp(second.port());
            assertThat(list(http)).isEqualTo(written);
            assertThat(http.get(STORE).json().getLong("keys")).isEqualTo(info.getLong("keys"));

            JsonObject overwritten = http.get(STORE + "/kv/k3?view=json").json();
            DkvHttp.Response again = http.put(STORE + "/kv/k3", "x3");
            assertThat(again.status()).isEqualTo(200);
            JsonObject after = http.get(STORE + "/kv/k3?view=json").json();
            assertThat(after.getLong("version")).isEqualTo(overwritten.getLong("version") + 1);
            assertThat(after.getLong("createRevision")).isEqualTo(overwritten.getLong("createRevision"));
            assertThat(after.getLong("modRevision")).isEqualTo(info.getLong("revision") + 1);
            assertThat(http.put(STORE + "/kv/k25", "y", "If-None-Match", "*").status()).isEqualTo(412);
            assertThat(http.put(STORE + "/kv/k15", "y", "If-None-Match", "*").status()).isEqualTo(201);
        }
    }

    @Test
    void aCopyLeftOnDiskCatchesUpWithWritesMadeElsewhere() {
        String prefix = "rc" + UUID.randomUUID().toString().substring(0, 6);
        Path kept = TestDkv.tempDir();
        try (DkvServer first = TestDkv.start(TestDkv.config(prefix, kept))) {
            DkvHttp http = new DkvHttp(first.port());
            assertThat(http.put(STORE, "").status()).isEqualTo(201);
            IntStream.range(0, 20).forEach(i -> assertThat(http.put(STORE + "/kv/k" + i, "v" + i).status()).isEqualTo(201));
        }
        JsonArray later;
        try (DkvServer elsewhere = TestDkv.start(TestDkv.config(prefix, TestDkv.tempDir()))) {
            DkvHttp http = new DkvHttp(elsewhere.port());
            IntStream.range(0, 5).forEach(i -> assertThat(http.put(STORE + "/kv/k" + i, "w" + i).status()).isEqualTo(200));
            IntStream.range(5, 10).forEach(i -> assertThat(http.delete(STORE + "/kv/k" + i).status()).isEqualTo(200));
            IntStream.range(0, 5).forEach(i -> assertThat(http.put(STORE + "/kv/n" + i, "n" + i).status()).isEqualTo(201));
            later = list(http);
        }
        assertThat(later).hasSize(20);

        try (DkvServer back = TestDkv.start(TestDkv.config(prefix, kept))) {
            DkvHttp http = new DkvHttp(back.port());
            assertThat(list(http)).isEqualTo(later);
            assertThat(http.put(STORE + "/kv/k7", "y", "If-None-Match", "*").status()).isEqualTo(201);
            assertThat(http.get(STORE + "/kv/k0?view=json").json().getLong("version")).isEqualTo(2);
        }
    }

    @Test
    void aChangeTopicHoldingRecordsTheStoreDidNotWriteIsReportedWhenRebuilt() throws Exception {
        String prefix = "rf" + UUID.randomUUID().toString().substring(0, 6);
        try (DkvServer first = TestDkv.start(TestDkv.config(prefix, TestDkv.tempDir()))) {
            DkvHttp http = new DkvHttp(first.port());
            assertThat(http.put(STORE, "").status()).isEqualTo(201);
            IntStream.range(0, 5).forEach(i -> assertThat(http.put(STORE + "/kv/k" + i, "v" + i).status()).isEqualTo(201));
        }
        // What a change topic left by an unfinished delete would hold: a key of an earlier life of the store.
        ChangeEvent foreign = ChangeEvent.newBuilder().setType(ChangeType.PUT).setValue(ByteBuffer.wrap("old".getBytes(StandardCharsets.UTF_8)))
                .setRevision(40).setCreateRevision(40).setVersion(1).build();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(prefix + ".store.restored.changes", "stale".getBytes(StandardCharsets.UTF_8),
                    DkvCodec.CHANGE_EVENT.encode(foreign))).get(30, TimeUnit.SECONDS);
        }
        Logger restorer = (Logger) LoggerFactory.getLogger(KvRestorer.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        restorer.addAppender(logged);
        try (DkvServer second = TestDkv.start(TestDkv.config(prefix, TestDkv.tempDir()))) {
            DkvHttp http = new DkvHttp(second.port());
            assertThat(list(http)).hasSize(6);
            assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.ERROR).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .contains("Store restored was rebuilt from " + prefix + ".store.restored.changes with 6 keys and records up to revision 40")
                            .contains("the store has 5 keys at revision 5")
                            .contains("DELETE /v1/stores/restored"));
        } finally {
            restorer.detachAppender(logged);
        }
    }

    private static JsonArray list(DkvHttp http) {
        DkvHttp.Response page = http.get(STORE + "/kv?limit=1000");
        assertThat(page.status()).as(page.toString()).isEqualTo(200);
        assertThat(page.json().getBoolean("more")).isFalse();
        return page.json().getJsonArray("items");
    }
}
