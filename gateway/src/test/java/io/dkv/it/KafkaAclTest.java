package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dkv.kafka.EmbeddedKafkaBroker;
import io.dkv.kafka.KafkaCluster;
import io.dkv.kafka.RequiredAcls;
import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DKV on a Kafka cluster with SASL/PLAIN and an authorizer (the embedded broker configured so):
 * with the ACLs of {@link RequiredAcls} for its principal, and nothing else, it starts, serves, and
 * starts again on its own topics;
 * with one of them taken away it fails to start with a message that names the missing entry.
 */
class KafkaAclTest {
    private static final String PRINCIPAL = "User:dkv";
    private static final Map<String, String> ADMIN = client("admin", "admin-secret");
    private static final Map<String, String> DKV = client("dkv", "dkv-secret");
    private static EmbeddedKafkaBroker broker;
    private static Admin admin;

    private static Map<String, String> client(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\"" + password + "\";");
    }

    @BeforeAll
    static void startSecuredBroker() {
        broker = new EmbeddedKafkaBroker(TestDkv.tempDir().resolve("kafka"), 0, Map.of(
                "listener.security.protocol.map", "PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms", "PLAIN",
                "sasl.mechanism.inter.broker.protocol", "PLAIN",
                "listener.name.plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_dkv=\"dkv-secret\";",
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // The controller listener is PLAINTEXT on localhost: its (anonymous) connections are the broker's own.
                "super.users", "User:admin;User:ANONYMOUS"), ADMIN).start();
        admin = Admin.create(new KafkaCluster(broker.bootstrapServers(), ADMIN).properties());
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    private static DkvConfig config(String prefix) {
        DkvConfig config = TestDkv.config(prefix, TestDkv.tempDir());
        config.bootstrapServers = broker.bootstrapServers();
        config.kafkaProperties = DKV;
        return config;
    }

    private static void grant(List<RequiredAcls.Entry> entries) throws Exception {
        List<AclBinding> bindings = new ArrayList<>();
        entries.forEach(entry -> bindings.addAll(entry.bindings(PRINCIPAL)));
        admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
    }

    @Test
    void withTheDocumentedAclsDkvServesItsWholeApi() throws Exception {
        grant(RequiredAcls.of("granted", "granted"));
        DkvConfig config = config("granted");
        try (DkvServer dkv = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(dkv.port());
            assertThat(http.put("/v1/stores/orders", "").status()).isEqualTo(201);
            assertThat(http.put("/v1/stores/gone", "").status()).isEqualTo(201);
            long revision = http.put("/v1/stores/orders/kv/a", "1").json().getLong("revision");
            try (SseClient watch = SseClient.open(dkv.port(), "/v1/stores/orders/watch?prefix=&fromRevision=1")) {
                assertThat(watch.nextChange(Duration.ofSeconds(20)).revision()).isEqualTo(revision);
            }
            assertThat(http.delete("/v1/stores/gone").status()).isEqualTo(200);
        }
        // A restart finds its topics and checks their configuration, with the same ACLs.
        try (DkvServer dkv = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(dkv.port());
            assertThat(http.get("/v1/stores/orders/kv/a").text()).isEqualTo("1");
            assertThat(http.get("/v1/stores/gone").code()).isEqualTo("STORE_NOT_FOUND");
        }
    }

    @ParameterizedTest(name = "without entry {0}")
    @ValueSource(ints = {0, 2, 3})
    void withOneAclTakenAwayDkvSaysWhichOneIsMissing(int missing) throws Exception {
        // Prefixes that are not prefixes of one another, so no other test's ACLs cover this one's resources.
        String prefix = "missing" + missing;
        List<RequiredAcls.Entry> entries = new ArrayList<>(RequiredAcls.of(prefix, prefix));
        RequiredAcls.Entry taken = entries.remove(missing);
        grant(entries);
        assertThatThrownBy(() -> TestDkv.start(config(prefix))).hasMessageContaining(taken.describe())
                .hasMessageContaining("bin/dkv acls");
    }
}
