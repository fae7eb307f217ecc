package io.dkv.it;

import io.dkv.kafka.KafkaCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.gateway.internals.CommandBus;
import io.dkv.kafka.DkvTopics;
import io.dkv.schemas.Command;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.dkv.streams.DkvTopology;
import io.dkv.streams.internals.ReplyTrackingClientSupplier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A write is answered as soon as the transaction that processed it committed: the Streams instance
 * in the gateway's process reports each committed transaction's replies, and only other gateways
 * wait to read them from the replies topic.
 */
class CommittedRepliesTest {
    private static final Pattern ANSWERS = Pattern.compile("(?m)^dkv_command_answers_total\\{path=\"([^\"]+)\"} (\\S+)$");

    @Test
    void theStreamsProducerReportsTheRepliesOfCommittedTransactionsOnly() throws Exception {
        String replies = "crt-" + UUID.randomUUID() + "-replies";
        String changes = "crt-" + UUID.randomUUID() + "-changes";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(replies, 1, (short) 1), new NewTopic(changes, 1, (short) 1))).all().get();
        }
        ReplyTrackingClientSupplier supplier = new ReplyTrackingClientSupplier(replies, () -> Duration.ofMillis(200));
        List<List<String>> reported = new ArrayList<>();
        supplier.listener(batch -> reported.add(batch.stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8) + "@" + r.partition() + ":" + r.offset()).toList()));
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "crt-" + UUID.randomUUID());
        try (Producer<byte[], byte[]> producer = supplier.getProducer(config)) {
            producer.initTransactions();

            producer.beginTransaction();
            producer.send(record(replies, "r1"));
            producer.send(record(changes, "c1"));
            producer.send(record(replies, "r2"));
            producer.flush();
            assertThat(reported).as("before the commit").isEmpty();
            producer.commitTransaction();
            assertThat(reported).containsExactly(List.of("r1@0:0", "r2@0:1"));

            producer.beginTransaction();
            producer.send(record(replies, "aborted"));
            producer.abortTransaction();
            assertThat(reported).as("after an abort").hasSize(1);

            producer.beginTransaction();
            producer.send(record(changes, "c2"));
            producer.commitTransaction();
            assertThat(reported).as("after a commit without replies").hasSize(1);

            producer.beginTransaction();
            // Where r3 lands depends on whether the aborted reply reached the broker before the abort.
            long r3 = producer.send(record(replies, "r3")).get().offset();
            producer.commitTransaction();
            assertThat(reported).containsExactly(List.of("r1@0:0", "r2@0:1"), List.of("r3@0:" + r3));
        }
    }

    @Test
    void writesAreAnsweredAtCommitByTheLocalInstanceAndFromTheTopicElsewhere() {
        DkvConfig config = TestDkv.config();
        try (DkvServer server = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/answers", "").status()).isEqualTo(201);
            Map<String, Double> before = answers(http);
            for (int i = 1; i <= 20; i++) {
                DkvHttp.Response put = http.put("/v1/stores/answers/kv/k", "v" + i);
                assertThat(put.status()).as("put %d: %s", i, put).isIn(200, 201);
                assertThat(put.revision()).isEqualTo(i);
            }
            Map<String, Double> after = answers(http);
            double atCommit = after.get("commit") - before.get("commit");
            double fromTopic = after.get("replies-topic") - before.get("replies-topic");
            assertThat(atCommit + fromTopic).isEqualTo(20);
            // The two paths race; the topic wins only when the hand-off after the commit is descheduled
            // for longer than writing the commit markers and fetching them.
            assertThat(atCommit).as("answered at commit (%s from the topic)", fromTopic).isGreaterThanOrEqualTo(15);

            DkvTopics topics = new DkvTopics(config.topicPrefix, config.topicSettings());
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            String repliesTopic = DkvTopology.repliesTopic(config.applicationId());
            try (CommandBus elsewhere = new CommandBus(KafkaCluster.at(SharedKafka.bootstrapServers()), topics, repliesTopic,
                    config.commandPartitions, Duration.ofMillis(config.commandLingerMs), registry)) {
                Command sync = CommandBus.syncCommand("answers");
                Reply reply = elsewhere.send(sync, Duration.ofSeconds(30)).join();
                assertThat(reply.getStatus()).isEqualTo(Status.OK);
                assertThat(reply.getRevision()).isEqualTo(20);
                // The reader counts an answer once complete() has returned, just after the future completed.
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(registry.get("dkv.command.answers").tag("path", "replies-topic").counter().count()).isEqualTo(1));
                assertThat(registry.get("dkv.command.answers").tag("path", "commit").counter().count()).isZero();
            }
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String value) {
        return new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, Double> answers(DkvHttp http) {
        Map<String, Double> counts = new HashMap<>();
        Matcher m = ANSWERS.matcher(http.get("/metrics").text());
        while (m.find()) {
            counts.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        assertThat(counts).as("answer counters in /metrics").containsKeys("commit", "replies-topic");
        return counts;
    }
}
