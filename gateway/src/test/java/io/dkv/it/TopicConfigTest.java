package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.DkvCodec;
import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.dkv.streams.DkvTopology;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** Topics that exist with a configuration DKV cannot run on stop it with an error naming topic and fix. */
class TopicConfigTest {

    @Test
    void compactedCommandsTopicStopsStartUp() throws Exception {
        DkvConfig config = TestDkv.config();
        createTopic(config.topicPrefix + ".commands", "compact");

        assertThatThrownBy(() -> DkvServer.start(config))
                .hasMessageContaining(config.topicPrefix + ".commands")
                .hasMessageContaining("cleanup.policy=compact")
                .hasMessageContaining("kafka-configs.sh");
    }

    @Test
    void changeTopicThatIsNotCompactedIsRefusedWhenTheStoreIsCreated() throws Exception {
        DkvConfig config = TestDkv.config();
        createTopic(config.topicPrefix + ".store.orders.changes", "delete");
        try (DkvServer server = DkvServer.start(config)) {
            DkvHttp http = new DkvHttp(server.port());
            DkvHttp.Response create = http.put("/v1/stores/orders", "");
            assertThat(create.status()).isEqualTo(500);
            assertThat(create.code()).isEqualTo("TOPIC_MISCONFIGURED");
            assertThat(create.json().getString("message")).contains(config.topicPrefix + ".store.orders.changes", "cleanup.policy=compact");
            assertThat(http.get("/v1/stores/orders").code()).isEqualTo("STORE_NOT_FOUND");
        }
    }

    @Test
    void aChangeTopicLeftWithRecordsIsNotTakenOverByANewStore() throws Exception {
        DkvConfig config = TestDkv.config();
        String topic = config.topicPrefix + ".store.orders.changes";
        createTopic(topic, "compact");
        ChangeEvent earlier = ChangeEvent.newBuilder().setType(ChangeType.PUT).setValue(ByteBuffer.wrap(new byte[] {1}))
                .setRevision(7).setCreateRevision(7).setVersion(1).build();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "old".getBytes(StandardCharsets.UTF_8), DkvCodec.CHANGE_EVENT.encode(earlier))).get();
        }
        try (DkvServer server = DkvServer.start(config); Admin admin = admin()) {
            DkvHttp http = new DkvHttp(server.port());
            DkvHttp.Response refused = http.put("/v1/stores/orders", "");
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.code()).isEqualTo("CHANGE_TOPIC_NOT_EMPTY");
            assertThat(refused.json().getString("message")).contains(topic, "DELETE /v1/stores/orders");
            assertThat(http.get("/v1/stores/orders").code()).isEqualTo("STORE_NOT_FOUND");

            assertThat(http.delete("/v1/stores/orders").code()).as("no store, but its leftover topic goes").isEqualTo("STORE_NOT_FOUND");
            await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(topic));
            assertThat(http.put("/v1/stores/orders", "").status()).isEqualTo(201);
            assertThat(http.get("/v1/stores/orders/kv").json().getJsonArray("items")).isEmpty();
            assertThat(http.put("/v1/stores/orders/kv/new", "v").status()).isEqualTo(201);
            assertThat(http.put("/v1/stores/orders", "").status()).as("a store's own records do not stop a repeated create").isEqualTo(200);
        }
    }

    @Test
    void theRepliesTopicIsCreatedAsKafkaStreamsWouldCreateItsChangelog() throws Exception {
        DkvConfig config = TestDkv.config();
        config.commandPartitions = 3;
        config.streamsProperties.put("windowstore.changelog.additional.retention.ms", "3600000");
        try (DkvServer server = DkvServer.start(config); Admin admin = admin()) {
            String replies = DkvTopology.repliesTopic(config.applicationId());
            assertThat(admin.describeTopics(List.of(replies)).allTopicNames().get().get(replies).partitions())
                    .as("Kafka Streams requires a changelog to have as many partitions as its input").hasSize(3);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, replies);
            Config topicConfig = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(topicConfig.get("cleanup.policy").value()).isEqualTo("compact,delete");
            assertThat(topicConfig.get("retention.ms").value())
                    .as("the dedupe store's retention and the Streams setting's margin")
                    .isEqualTo(String.valueOf(3 * config.dedupeWindowMs + Duration.ofHours(1).toMillis()));

            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/replies", "").status()).as("Kafka Streams runs on the topic DKV made").isEqualTo(201);
        }
    }

    @Test
    void aRepliesTopicThatIsNotAChangelogStopsStartUp() throws Exception {
        DkvConfig config = TestDkv.config();
        String replies = DkvTopology.repliesTopic(config.applicationId());
        createTopic(replies, "delete");

        assertThatThrownBy(() -> DkvServer.start(config))
                .hasMessageContaining(replies)
                .hasMessageContaining("cleanup.policy=delete")
                .hasMessageContaining("cleanup.policy=compact,delete");
    }

    private static Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        return Admin.create(props);
    }

    private static void createTopic(String name, String policy) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", policy)))).all().get();
        }
    }
}
