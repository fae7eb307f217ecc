package io.dkv.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.kafka.HangingTransactionBroker.FinishedProducer;
import io.dkv.kafka.HangingTransactions.Hanging;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against a real broker: a transaction left open on partitions its coordinator knows nothing of is
 * found as hanging and ended with a commit on one partition and an abort on the other; a transaction
 * in progress is not taken for a hanging one.
 */
class HangingTransactionsTest {
    private static final String TOPIC = "hanging";
    private static final String OTHER = "hanging-other";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static Admin admin;

    @BeforeAll
    static void topics() throws Exception {
        admin = HangingTransactionBroker.admin();
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1), new NewTopic(OTHER, 1, (short) 1))).all().get();
    }

    @Test
    void aTransactionTheCoordinatorFinishedIsFoundAndEndedAsAskedOnEachPartition() throws Exception {
        FinishedProducer producer = HangingTransactionBroker.finishedProducer("hanging-test", new TopicPartition(OTHER, 0));
        TopicPartition committed = new TopicPartition(TOPIC, 0);
        TopicPartition aborted = new TopicPartition(TOPIC, 1);
        HangingTransactionBroker.writeHanging(producer, committed, List.of(bytes("kept")));
        HangingTransactionBroker.writeHanging(producer, aborted, List.of(bytes("dropped")));

        List<Hanging> hanging = HangingTransactions.find(admin, List.of(committed, aborted, new TopicPartition(OTHER, 0)));

        assertThat(hanging).extracting(Hanging::partition).containsExactly(committed, aborted);
        assertThat(hanging).allSatisfy(h -> {
            assertThat(h.producerId()).isEqualTo(producer.producerId());
            assertThat(h.producerEpoch()).isEqualTo(producer.nextEpoch());
            assertThat(h.firstOffset()).isZero();
            assertThat(h.transactionalId()).isEqualTo("hanging-test");
            assertThat(h.abortCommand("localhost:9092")).contains("--topic hanging", "--producer-id " + producer.producerId());
        });
        assertThat(committedValues(committed)).isEmpty();

        Node leader = HangingTransactionBroker.leader();
        HangingTransactions.end(leader, producer.producerId(), producer.nextEpoch(), hanging.get(0).coordinatorEpoch(), true,
                List.of(committed), TIMEOUT);
        HangingTransactions.end(leader, producer.producerId(), producer.nextEpoch(), hanging.get(1).coordinatorEpoch(), false,
                List.of(aborted), TIMEOUT);

        assertThat(committedValues(committed)).containsExactly("kept");
        assertThat(committedValues(aborted)).isEmpty();
        assertThat(HangingTransactions.find(admin, List.of(committed, aborted))).isEmpty();
    }

    @Test
    void aTransactionInProgressIsNotHanging() throws Exception {
        TopicPartition partition = new TopicPartition(OTHER, 0);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, HangingTransactionBroker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "in-progress"), new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(OTHER, "k", "open")).get();

            assertThat(admin.describeProducers(List.of(partition)).all().get().get(partition).activeProducers())
                    .anySatisfy(p -> assertThat(p.currentTransactionStartOffset()).isPresent());
            assertThat(HangingTransactions.find(admin, List.of(partition))).isEmpty();
            producer.commitTransaction();
        }
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> committedValues(TopicPartition partition) {
        return HangingTransactionBroker.committedValues(partition).stream()
                .map(v -> new String(v, StandardCharsets.UTF_8)).toList();
    }
}
