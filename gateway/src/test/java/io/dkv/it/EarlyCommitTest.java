package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.kafka.DkvTopics;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.Op;
import io.dkv.schemas.OpType;
import io.dkv.schemas.Txn;
import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A gateway marks {@code commitNow} the command that completes the batch it expects
 * ({@code EarlyCommitPolicy}: a lone writer's single command, or as many as its last answer covered),
 * and the stream thread then commits at once, unless the command waited in a queue, when it shares a
 * transaction with the commands around it.
 */
class EarlyCommitTest {
    private static final Pattern COMMITS = Pattern.compile("(?m)^kafka_stream_thread_commit_total\\{[^}]*} (\\S+)$");

    /**
     * The interval here is nine seconds (just under the transaction timeout) and the request timeout
     * three, so a put left to the interval would time out with a probability of two in three.
     */
    @Test
    void aLoneWritersCommandsAreCommittedWithoutWaitingForTheCommitInterval() {
        DkvConfig config = TestDkv.config();
        config.commitIntervalMs = 9_000;
        config.requestTimeoutMs = 3_000;
        assertALoneWriterIsAnswered(config, "lone", 20);
    }

    /**
     * With writes held for up to a minute before they are sent, every request here would time out if
     * the command that completes its batch (each of a lone writer's, and the store's creation) waited
     * for the linger too.
     */
    @Test
    void theCommandThatCompletesABatchIsSentAtOnceWhateverTheLinger() {
        DkvConfig config = TestDkv.config();
        config.commandLingerMs = 60_000;
        config.requestTimeoutMs = 5_000;
        assertALoneWriterIsAnswered(config, "prompt", 10);
    }

    /** Creates the store, puts one key {@code puts} times in a row and reads the last value back. */
    private static void assertALoneWriterIsAnswered(DkvConfig config, String store, int puts) {
        try (DkvServer server = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/" + store, "").status()).isEqualTo(201);
            for (int i = 1; i <= puts; i++) {
                DkvHttp.Response put = http.put("/v1/stores/" + store + "/kv/k", "v" + i);
                assertThat(put.status()).as("put %d: %s", i, put).isIn(200, 201);
                assertThat(put.revision()).isEqualTo(i);
            }
            DkvHttp.Response read = http.get("/v1/stores/" + store + "/kv/k", "DKV-Min-Revision", String.valueOf(puts));
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.text()).isEqualTo("v" + puts);
        }
    }

    /**
     * Sixteen writers in a closed loop with a two-second longest commit wait: if their transactions
     * waited for it, three seconds would see two or three commits (some 50 puts); committing each
     * batch once the gateway's last answer has come back whole lets them do hundreds.
     */
    @Test
    void aClosedLoopOfWritersCommitsEachBatchOnceItIsIn() throws Exception {
        DkvConfig config = TestDkv.config();
        config.commitIntervalMs = 2_000;
        config.requestTimeoutMs = 10_000;
        try (DkvServer server = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/loop", "").status()).isEqualTo(201);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            AtomicInteger puts = new AtomicInteger();
            Concurrently.run(16, c -> {
                String key = "/v1/stores/loop/kv/client" + c;
                for (int i = 0; System.nanoTime() < deadline; i++) {
                    DkvHttp.Response put = http.put(key, "v" + i);
                    assertThat(put.status()).as("%s: %s", key, put).isIn(200, 201);
                    puts.incrementAndGet();
                }
            });
            assertThat(puts.get()).as("puts by 16 writers in 3 s").isGreaterThan(200);
        }
    }

    /**
     * As if 1,000 gateways each sent one command at the same moment: they must not get a commit each.
     * Only those processed within the first 100 ms may commit early, and a commit takes far longer
     * than the 0.2 ms that would let half of them do so.
     */
    @Test
    void queuedCommandsMarkedCommitNowShareTransactions() {
        DkvConfig config = TestDkv.config();
        try (DkvServer server = TestDkv.start(config);
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers(),
                        ProducerConfig.LINGER_MS_CONFIG, "50"), new StringSerializer(), new ByteArraySerializer())) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/crowd", "").status()).isEqualTo(201);
            double commitsBefore = commits(http);
            String commands = new DkvTopics(config.topicPrefix, config.topicSettings()).commands();
            int n = 1_000;
            for (int i = 0; i < n; i++) {
                Command put = Command.newBuilder().setRequestId(UUID.randomUUID().toString()).setStore("crowd")
                        .setType(CommandType.TXN).setCommitNow(true)
                        .setTxn(Txn.newBuilder().setCompare(List.of()).setFailure(List.of())
                                .setSuccess(List.of(Op.newBuilder().setType(OpType.PUT).setKey(utf8("k" + i)).setValue(utf8("v")).build()))
                                .build())
                        .build();
                producer.send(new ProducerRecord<>(commands, "crowd", DkvCodec.COMMAND.encode(put)));
            }
            producer.flush();

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(http.get("/v1/stores/crowd", "DKV-Min-Revision", String.valueOf(n)).json().getLong("revision")).isEqualTo(n));
            assertThat(commits(http) - commitsBefore).as("transactions for %d queued commands", n).isLessThan(n / 2.0);
        }
    }

    /**
     * Two marked commands: the first completes a batch answered before the store's latest commit
     * (revision 0, while that commit left the store at 1), the second one answered by it. The first
     * must not commit on its own, because the latest batch is still coming back; both commit in one
     * transaction at the second's mark. A transaction's commit writes a marker record after its
     * records, so one transaction shows as consecutive offsets in the change topic. (With a nine-second
     * longest wait, nothing else commits in between.)
     */
    @Test
    void aMarkOfABatchAnsweredBeforeTheLatestCommitWaitsForThatCommitsBatch() {
        DkvConfig config = TestDkv.config();
        config.commitIntervalMs = 9_000;
        try (DkvServer server = TestDkv.start(config);
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()),
                        new StringSerializer(), new ByteArraySerializer())) {
            DkvHttp http = new DkvHttp(server.port());
            assertThat(http.put("/v1/stores/turns", "").status()).isEqualTo(201);
            assertThat(http.put("/v1/stores/turns/kv/first", "v").revision()).isEqualTo(1);
            DkvTopics topics = new DkvTopics(config.topicPrefix, config.topicSettings());

            producer.send(new ProducerRecord<>(topics.commands(), "turns", DkvCodec.COMMAND.encode(markedPut("earlier", 0))));
            producer.flush();
            producer.send(new ProducerRecord<>(topics.commands(), "turns", DkvCodec.COMMAND.encode(markedPut("latest", 1))));
            producer.flush();

            DkvHttp.Response read = http.get("/v1/stores/turns/kv/latest", "DKV-Min-Revision", "3");
            assertThat(read.status()).as("committed at the latest batch's mark, long before the longest wait: %s", read).isEqualTo(200);
            Map<String, Long> offsets = changeOffsets(topics.changes("turns"), 3);
            assertThat(offsets.get("latest")).as("offsets in the change topic %s", offsets).isEqualTo(offsets.get("earlier") + 1);
        }
    }

    private static Command markedPut(String key, long answeredRevision) {
        return Command.newBuilder().setRequestId(UUID.randomUUID().toString()).setStore("turns").setType(CommandType.TXN)
                .setCommitNow(true).setAnsweredRevision(answeredRevision)
                .setTxn(Txn.newBuilder().setCompare(List.of()).setFailure(List.of())
                        .setSuccess(List.of(Op.newBuilder().setType(OpType.PUT).setKey(utf8(key)).setValue(utf8("v")).build()))
                        .build())
                .build();
    }

    /** The offset of each key's committed change record, once {@code count} records are read. */
    private static Map<String, Long> changeOffsets(String topic, int count) {
        Map<String, Object> settings = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Long> offsets = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> offsets.put(r.key(), r.offset()));
                return offsets.size() >= count;
            });
        }
        return offsets;
    }

    private static double commits(DkvHttp http) {
        Matcher m = COMMITS.matcher(http.get("/metrics").text());
        assertThat(m.find()).as("commit counter in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
