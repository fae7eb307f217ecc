package io.dkv.it;

import io.dkv.kafka.KafkaCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.gateway.internals.CommandBus;
import io.dkv.kafka.DkvTopics;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.ProcessedRequest;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.schemas.Txn;
import io.dkv.streams.CommittedReply;
import io.dkv.server.DkvConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The gateway holds the writes of a store's batch (up to the command linger) until the write that
 * completes it, so the batch reaches the broker together; the write that completes it goes at once.
 * No Streams instance runs here: the test reads the commands topic and plays the committed replies.
 */
class CommandLingerTest {
    private static final Duration LINGER = Duration.ofMinutes(1);

    @Test
    void theWritesOfABatchWaitForTheOneThatCompletesIt() throws Exception {
        DkvConfig config = TestDkv.config();
        DkvTopics topics = new DkvTopics(config.topicPrefix, config.topicSettings());
        String replies = config.topicPrefix + ".test-replies";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.commands(), 1, (short) 1), new NewTopic(replies, 1, (short) 1)))
                    .all().get();
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CommandBus bus = new CommandBus(KafkaCluster.at(SharedKafka.bootstrapServers()), topics, replies, 1, LINGER, registry);
             KafkaConsumer<String, byte[]> log = commandsReader(topics.commands())) {
            Command first = put();
            Command second = put();
            CompletableFuture<Reply> firstAnswer = bus.send(first, LINGER.multipliedBy(2));
            assertThat(readUntil(log, 1)).as("a new store's first write completes its batch").containsExactly(first.getRequestId());
            // While a flush waits for its acknowledgement the producer sends every new record at once,
            // which would send the next write early whatever the gateway holds.
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    registry.get("kafka.producer.requests.in.flight").tag("client.id", "dkv-gateway-commands").gauge().value() == 0);
            CompletableFuture<Reply> secondAnswer = bus.send(second, LINGER.multipliedBy(2));

            bus.committed(List.of(committed(first, 1, 0), committed(second, 2, 1)));
            await().atMost(Duration.ofSeconds(10)).until(() -> firstAnswer.isDone() && secondAnswer.isDone());

            Command opener = put();
            bus.send(opener, LINGER.multipliedBy(2));
            // Absence has no event to wait for; a write sent at once is in the log within milliseconds.
            assertThat(readFor(log, Duration.ofSeconds(1))).as("the first write of a batch of two, and the one held before").isEmpty();

            Command completing = put();
            bus.send(completing, LINGER.multipliedBy(2));
            assertThat(readUntil(log, 3)).as("the batch, well before the linger ends")
                    .containsExactly(second.getRequestId(), opener.getRequestId(), completing.getRequestId());
        }
    }

    private static Command put() {
        return Command.newBuilder().setRequestId(UUID.randomUUID().toString()).setNewRequestId(true).setStore("s")
                .setType(CommandType.TXN).setTxn(Txn.newBuilder().build()).setIssuedAtMs(System.currentTimeMillis()).build();
    }

    /** The reply as the Streams instance would report it: this test writes nothing to the replies topic. */
    private static CommittedReply committed(Command command, long revision, long offset) {
        Reply reply = Reply.newBuilder().setRequestId(command.getRequestId()).setStore(command.getStore())
                .setStatus(Status.OK).setRevision(revision).build();
        return new CommittedReply(DkvCodec.PROCESSED_REQUEST.encode(ProcessedRequest.newBuilder().setProcessedAtMs(0).setReply(reply).build()), 0, offset);
    }

    private static KafkaConsumer<String, byte[]> commandsReader(String topic) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new ByteArrayDeserializer());
        consumer.assign(List.of(new TopicPartition(topic, 0)));
        consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
        return consumer;
    }

    /** The request ids of the next {@code count} commands in the log, in log order. */
    private static List<String> readUntil(KafkaConsumer<String, byte[]> log, int count) {
        List<String> ids = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            log.poll(Duration.ofMillis(100)).forEach(r -> ids.add(requestId(r)));
            return ids.size() >= count;
        });
        return ids;
    }

    private static List<String> readFor(KafkaConsumer<String, byte[]> log, Duration period) {
        List<String> ids = new ArrayList<>();
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            log.poll(Duration.ofMillis(100)).forEach(r -> ids.add(requestId(r)));
        }
        return ids;
    }

    private static String requestId(ConsumerRecord<String, byte[]> record) {
        return DkvCodec.COMMAND.decode(record.value()).getRequestId();
    }
}
