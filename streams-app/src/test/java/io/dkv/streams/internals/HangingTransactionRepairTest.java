package io.dkv.streams.internals;

import io.dkv.kafka.KafkaCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dkv.kafka.DkvTopics;
import io.dkv.kafka.DkvTopics.TopicSettings;
import io.dkv.kafka.HangingTransactionBroker;
import io.dkv.kafka.HangingTransactionBroker.FinishedProducer;
import io.dkv.kafka.HangingTransactions;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.ProcessedRequest;
import io.dkv.schemas.Status;
import io.dkv.streams.DkvTopology;
import io.dkv.streams.internals.HangingTransactionRepair.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The outcome rule, and the whole repair against a real broker: DKV's topics with four commands,
 * a stream thread's transaction that answered the last two left hanging on the replies topic and a
 * change topic, and the group's committed offset saying whether that transaction committed.
 */
class HangingTransactionRepairTest {
    @Test
    void aTransactionWhoseRequestsAreBehindTheCommittedOffsetCommitted() {
        assertThat(HangingTransactionRepair.outcome(Set.of("a", "b"), List.of("c", "d"))).contains(Outcome.COMMIT);
        assertThat(HangingTransactionRepair.outcome(Set.of("a", "b"), List.of())).contains(Outcome.COMMIT);
    }

    @Test
    void aTransactionWhoseRequestsWillBeProcessedAgainAborted() {
        assertThat(HangingTransactionRepair.outcome(Set.of("a", "b"), List.of("a", "b", "c"))).contains(Outcome.ABORT);
    }

    @Test
    void anythingElseIsNotGuessed() {
        assertThat(HangingTransactionRepair.outcome(Set.of("a", "b"), List.of("b", "c"))).isEmpty();
        assertThat(HangingTransactionRepair.outcome(Set.of(), List.of("a"))).isEmpty();
    }

    @Test
    void aHangingTransactionWhoseOffsetsWereCommittedIsEndedWithACommit() throws Exception {
        Dkv dkv = Dkv.withHangingTransaction("rcommit", 4);

        assertThat(dkv.repair().repair()).singleElement().asString().contains("by committing it");

        assertThat(dkv.answeredAndCommitted()).containsExactly("r3", "r4");
        assertThat(dkv.changesCommitted()).containsExactly("v3", "v4");
        assertThat(dkv.repair().repair()).isEmpty();
    }

    @Test
    void aHangingTransactionWhoseCommandsWillBeProcessedAgainIsEndedWithAnAbort() throws Exception {
        Dkv dkv = Dkv.withHangingTransaction("rabort", 2);

        assertThat(dkv.repair().repair()).singleElement().asString().contains("by aborting it");

        assertThat(dkv.answeredAndCommitted()).isEmpty();
        assertThat(dkv.changesCommitted()).isEmpty();
        assertThat(HangingTransactions.find(HangingTransactionBroker.admin(), List.of(dkv.replies(), dkv.changes()))).isEmpty();
    }

    @Test
    void aHangingTransactionWhoseOutcomeCannotBeToldStopsWithTheWayOut() throws Exception {
        Dkv dkv = Dkv.withHangingTransaction("rundecided", 3);

        assertThatThrownBy(() -> dkv.repair().repair()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot tell").hasMessageContaining("kafka-transactions.sh")
                .hasMessageContaining(dkv.replies().topic());
        assertThat(HangingTransactions.find(HangingTransactionBroker.admin(), List.of(dkv.replies(), dkv.changes())))
                .hasSize(2);
    }

    /** DKV's topics for one application id, with commands r1..r4 and a hanging transaction that answered r3 and r4. */
    private record Dkv(String name, DkvTopics topics) {
        static Dkv withHangingTransaction(String name, long committedCommandOffset) throws Exception {
            Dkv dkv = new Dkv(name, new DkvTopics(name, TopicSettings.defaults()));
            Admin admin = HangingTransactionBroker.admin();
            admin.createTopics(List.of(new NewTopic(dkv.topics.commands(), 1, (short) 1),
                    new NewTopic(dkv.replies().topic(), 1, (short) 1), new NewTopic(dkv.changes().topic(), 1, (short) 1))).all().get();
            TopicPartition commands = new TopicPartition(dkv.topics.commands(), 0);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, HangingTransactionBroker.bootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 1; i <= 4; i++) {
                    producer.send(new ProducerRecord<>(commands.topic(), 0, null, DkvCodec.COMMAND.encode(command("r" + i)))).get();
                }
            }
            admin.alterConsumerGroupOffsets(name, Map.of(commands, new OffsetAndMetadata(committedCommandOffset))).all().get();
            FinishedProducer thread = HangingTransactionBroker.finishedProducer(name + "-thread-1", new TopicPartition(dkv.topics.commands(), 0));
            HangingTransactionBroker.writeHanging(thread, dkv.replies(), List.of(reply("r3"), reply("r4")));
            HangingTransactionBroker.writeHanging(thread, dkv.changes(), List.of(bytes("v3"), bytes("v4")));
            return dkv;
        }

        HangingTransactionRepair repair() {
            return new HangingTransactionRepair(HangingTransactionBroker.admin(), KafkaCluster.at(HangingTransactionBroker.bootstrapServers()),
                    topics, name, DkvTopology.repliesTopic(name));
        }

        TopicPartition replies() {
            return new TopicPartition(DkvTopology.repliesTopic(name), 0);
        }

        TopicPartition changes() {
            return new TopicPartition(topics.changes("s"), 0);
        }

        List<String> answeredAndCommitted() {
            return HangingTransactionBroker.committedValues(replies()).stream()
                    .map(v -> DkvCodec.PROCESSED_REQUEST.decode(v).getReply().getRequestId()).toList();
        }

        List<String> changesCommitted() {
            return HangingTransactionBroker.committedValues(changes()).stream()
                    .map(v -> new String(v, StandardCharsets.UTF_8)).toList();
        }

        private static Command command(String requestId) {
            return Command.newBuilder().setRequestId(requestId).setStore("s").setType(CommandType.TXN).build();
        }

        private static byte[] reply(String requestId) {
            return DkvCodec.PROCESSED_REQUEST.encode(new ProcessedRequest(0L, Replies.of(command(requestId), Status.OK, 1).build()));
        }

        private static byte[] bytes(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }
    }
}
