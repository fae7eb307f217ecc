package io.dkv.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
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
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real broker, shared by the tests of this module that need one, on which a test can leave a
 * transaction hanging: its partition verification is off, so it accepts a transactional record sent
 * the pre-KIP-890 way, on a partition the transaction's coordinator was never told of. Once the
 * coordinator has finished with that transaction, the partition holds it open for ever, as the
 * crashes described in {@link HangingTransactions} leave it.
 */
public final class HangingTransactionBroker {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static EmbeddedKafkaBroker broker;
    private static Admin admin;

    private HangingTransactionBroker() {
    }

    public static synchronized String bootstrapServers() {
        if (broker == null) {
            try {
                broker = new EmbeddedKafkaBroker(Files.createTempDirectory("dkv-hanging-test").resolve("kafka"), 0,
                        Map.of("transaction.partition.verification.enable", "false")).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                admin.close();
                broker.close();
            }));
        }
        return broker.bootstrapServers();
    }

    public static synchronized Admin admin() {
        bootstrapServers();
        return admin;
    }

    /** A producer whose transaction ends as the coordinator sees it: its id, and the epoch it may write next. */
    public record FinishedProducer(String transactionalId, long producerId, short nextEpoch) {
    }

    /**
     * Commits one transaction of {@code transactionalId} with a record on {@code partition}, so the
     * coordinator has finished with it; the returned epoch is the one a hanging write then uses.
     */
    public static FinishedProducer finishedProducer(String transactionalId, TopicPartition partition) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(), ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), new byte[0], new byte[0])).get();
            producer.commitTransaction();
        }
        // Asked of the coordinator: the partition may hold other producers' states too.
        TransactionDescription finished = admin().describeTransactions(List.of(transactionalId)).all().get().get(transactionalId);
        // One past the coordinator's epoch: a write no earlier transaction of this producer could have made.
        return new FinishedProducer(transactionalId, finished.producerId(), (short) (finished.producerEpoch() + 1));
    }

    /** Writes records of {@code producer}'s next transaction on {@code partition} without telling its coordinator. */
    public static void writeHanging(FinishedProducer producer, TopicPartition partition, List<byte[]> values) throws Exception {
        SimpleRecord[] records = values.stream().map(SimpleRecord::new).toArray(SimpleRecord[]::new);
        MemoryRecords batch = MemoryRecords.withTransactionalRecords(Compression.NONE, producer.producerId(), producer.nextEpoch(), 0, records);
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(partition.topic()).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(partition.partition()).setRecords(batch))));
        ProduceRequest request = ProduceRequest.builder(new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000)
                .setTransactionalId(producer.transactionalId()).setTopicData(topics), true)
                .build(ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2);
        ProduceResponse response = (ProduceResponse) BrokerRequests.send(leader(), request, TIMEOUT);
        assertThat(response.errorCounts()).containsOnlyKeys(Errors.NONE);
    }

    public static Node leader() throws Exception {
        return admin().describeCluster().nodes().get().iterator().next();
    }

    /** What a read_committed reader of the partition sees, from its start to its last stable offset. */
    public static List<byte[]> committedValues(TopicPartition partition) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<byte[]> values = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }
}
