package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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

    private static void createTopic(String name, String policy) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(name, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", policy)))).all().get();
        }
    }
}
