package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.DkvCodec;
import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A store's delete keeps its name taken until its change topic is gone: a create of the name in
 * between is refused instead of losing its topic to the delete, and a delete that stopped halfway
 * is finished by the next DELETE. (A DELETE of a name without a store removing a leftover topic:
 * {@link TopicConfigTest}.)
 */
class StoreDeleteTest {

    @Test
    void aDeleteThatStoppedHalfwayHoldsTheNameUntilADeleteFinishesIt() throws Exception {
        DkvConfig config = TestDkv.config();
        try (DkvServer server = DkvServer.start(config); Admin admin = admin()) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/halfway", "").status()).isEqualTo(201);
            assertThat(http.put("/v1/stores/halfway/kv/k", "v").status()).isEqualTo(201);
            assertThat(http.put("/v1/stores/empty", "").status()).isEqualTo(201);

            // The first step of a delete, as a gateway that stopped before deleting the topic left it.
            appendCommand(config, "halfway", CommandType.DELETE_STORE);
            appendCommand(config, "empty", CommandType.DELETE_STORE);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(http.get("/v1/stores/empty").code()).isEqualTo("STORE_NOT_FOUND"));

            assertThat(http.get("/v1/stores/halfway").code()).isEqualTo("STORE_NOT_FOUND");
            assertThat(http.get("/v1/stores/halfway/kv/k").code()).isEqualTo("STORE_NOT_FOUND");
            assertThat(http.get("/v1/stores").json().getJsonArray("stores")).isEmpty();
            DkvHttp.Response refused = http.put("/v1/stores/empty", "");
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.code()).isEqualTo("STORE_BEING_DELETED");
            assertThat(refused.json().getString("message")).contains("DELETE /v1/stores/empty");
            DkvHttp.Response refusedForRecords = http.put("/v1/stores/halfway", "");
            assertThat(refusedForRecords.code()).as("the records' check comes first").isEqualTo("CHANGE_TOPIC_NOT_EMPTY");
            assertThat(refusedForRecords.json().getString("message")).contains("DELETE /v1/stores/halfway");
            assertThat(admin.listTopics().names().get()).as("the topics are deleted only by the DELETEs below")
                    .contains(changeTopic(config, "halfway"), changeTopic(config, "empty"));

            for (String store : List.of("halfway", "empty")) {
                assertThat(http.delete("/v1/stores/" + store).status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(changeTopic(config, store)));
                assertThat(http.put("/v1/stores/" + store, "").status()).isEqualTo(201);
                assertThat(http.get("/v1/stores/" + store + "/kv").json().getJsonArray("items")).as("no key of the deleted store").isEmpty();
                assertThat(http.put("/v1/stores/" + store + "/kv/k", "w").revision()).isEqualTo(1);
            }
        }
    }

    private static String changeTopic(DkvConfig config, String store) {
        return config.topicPrefix + ".store." + store + ".changes";
    }

    private static void appendCommand(DkvConfig config, String store, CommandType type) throws Exception {
        Command command = Command.newBuilder().setRequestId(UUID.randomUUID().toString()).setNewRequestId(true)
                .setStore(store).setType(type).setIssuedAtMs(System.currentTimeMillis()).build();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(config.topicPrefix + ".commands", store, DkvCodec.COMMAND.encode(command))).get();
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()));
    }
}
