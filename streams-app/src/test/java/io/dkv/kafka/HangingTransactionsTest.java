package io.dkv.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.kafka.HangingTransactions.Hanging;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against a real broker: a transaction left open on partitions its coordinator knows nothing of
 * (written the pre-KIP-890 way, with the broker's partition verification off so that it accepts
 * that) is found as hanging and ended with a commit on one partition and an abort on the other.
 */
class HangingTransactionsTest {
    private static final String TOPIC = "hanging";
    private static final String OTHER = "hanging-other";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static EmbeddedKafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("dkv-hanging-test");
        broker = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, Map.of("transaction.partition.verification.enable", "false")).start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1), new NewTopic(OTHER, 1, (short) 1))).all().get();
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    @Test
    void aTransactionTheCoordinatorFinishedIsFoundAndEndedAsAskedOnEachPartition() throws Exception {
        ProducerState producer = committedTransactionOn(new TopicPartition(OTHER, 0));
        TopicPartition committed = new TopicPartition(TOPIC, 0);
        TopicPartition aborted = new TopicPartition(TOPIC, 1);
        // The epoch the coordinator moved to when it committed (transactions v2 bump it each time).
        short epoch = (short) (producer.producerEpoch() + 1);
        Node leader = admin.describeCluster().nodes().get().iterator().next();
        writeWithoutTellingTheCoordinator(leader, producer.producerId(), epoch, committed, "kept");
        writeWithoutTellingTheCoordinator(leader, producer.producerId(), epoch, aborted, "dropped");

        List<Hanging> hanging = HangingTransactions.find(admin, List.of(committed, aborted, new TopicPartition(OTHER, 0)));

        assertThat(hanging).extracting(Hanging::partition).containsExactly(committed, aborted);
        assertThat(hanging).allSatisfy(h -> {
            assertThat(h.producerId()).isEqualTo(producer.producerId());
            assertThat(h.producerEpoch()).isEqualTo(epoch);
            assertThat(h.firstOffset()).isZero();
            assertThat(h.transactionalId()).isEqualTo("hanging-test");
            assertThat(h.abortCommand("localhost:9092")).contains("--topic hanging", "--producer-id " + producer.producerId());
        });
        assertThat(committedValues(committed)).isEmpty();

        HangingTransactions.end(leader, producer.producerId(), epoch, hanging.get(0).coordinatorEpoch(), true, List.of(committed), TIMEOUT);
        HangingTransactions.end(leader, producer.producerId(), epoch, hanging.get(1).coordinatorEpoch(), false, List.of(aborted), TIMEOUT);

        assertThat(committedValues(committed)).containsExactly("kept");
        assertThat(committedValues(aborted)).isEmpty();
        assertThat(HangingTransactions.find(admin, List.of(committed, aborted))).isEmpty();
    }

    @Test
    void aTransactionInProgressIsNotHanging() throws Exception {
        TopicPartition partition = new TopicPartition(OTHER, 0);
        try (KafkaProducer<String, String> producer = transactionalProducer("in-progress")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(OTHER, "k", "open")).get();

            assertThat(admin.describeProducers(List.of(partition)).all().get().get(partition).activeProducers())
                    .anySatisfy(p -> assertThat(p.currentTransactionStartOffset()).isPresent());
            assertThat(HangingTransactions.find(admin, List.of(partition))).isEmpty();
            producer.commitTransaction();
        }
    }

    private static ProducerState committedTransactionOn(TopicPartition partition) throws Exception {
        try (KafkaProducer<String, String> producer = transactionalProducer("hanging-test")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), "k", "v")).get();
            producer.commitTransaction();
        }
        return admin.describeProducers(List.of(partition)).all().get().get(partition).activeProducers().stream()
                .filter(p -> p.currentTransactionStartOffset().isEmpty()).reduce((a, b) -> b).orElseThrow();
    }

    private static KafkaProducer<String, String> transactionalProducer(String transactionalId) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId), new StringSerializer(), new StringSerializer());
    }

    /** A transactional record sent the pre-KIP-890 way, without adding its partition to the transaction. */
    private static void writeWithoutTellingTheCoordinator(Node leader, long producerId, short epoch, TopicPartition partition,
                                                          String value) throws Exception {
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, 0,
                new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)));
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(partition.topic()).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(partition.partition()).setRecords(records))));
        ProduceRequest request = ProduceRequest.builder(new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000)
                .setTransactionalId("hanging-test").setTopicData(topics), true).build(ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2);
        ProduceResponse response = (ProduceResponse) BrokerRequests.send(leader, request, TIMEOUT);
        assertThat(response.errorCounts()).containsOnlyKeys(Errors.NONE);
    }

    private static List<String> committedValues(TopicPartition partition) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
            return values;
        }
    }
}
