package io.dkv.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dkv.kafka.DkvTopics;
import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeEventDeserializer;
import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.Compare;
import io.dkv.schemas.CompareOp;
import io.dkv.schemas.CompareTarget;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.Op;
import io.dkv.schemas.OpType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.schemas.Txn;
import io.dkv.streams.lease.LeaseLimits;
import io.dkv.streams.lock.LockLimits;
import io.dkv.streams.lease.LiveLeases;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DkvTopologyTest {
    private final DkvTopics topics = new DkvTopics("dkv", DkvTopics.TopicSettings.defaults());
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<byte[], byte[]> replies;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dkv-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(DkvTopology.build(topics, Duration.ofMinutes(5), Duration.ofMillis(5), DkvTopologyTest::noChangeTopics,
                new LiveLeases(), LeaseLimits.DEFAULTS, LockLimits.DEFAULTS), props, Instant.ofEpochMilli(1_000_000));
        commands = driver.createInputTopic(topics.commands(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        replies = driver.createOutputTopic(DkvTopology.repliesTopic("dkv-test"), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** The driver starts every task with empty stores, so no task has keys to rebuild from a change topic. */
    static Consumer<byte[], byte[]> noChangeTopics() {
        throw new AssertionError("a task with empty stores read a change topic");
    }

    @Test
    void theRepliesTopicKeepsRepliesForTheDedupeStoresRetentionAndKafkaStreamsMargin() {
        Duration window = Duration.ofMinutes(10);
        assertThat(DkvTopology.repliesRetentionMs(window, Map.of()))
                .isEqualTo(Duration.ofMinutes(30).plusDays(1).toMillis());
        assertThat(DkvTopology.repliesRetentionMs(window, Map.of("windowstore.changelog.additional.retention.ms", "600000")))
                .isEqualTo(Duration.ofMinutes(40).toMillis());
        assertThatThrownBy(() -> DkvTopology.repliesRetentionMs(window, Map.of("windowstore.changelog.additional.retention.ms", "1h")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("windowstore.changelog.additional.retention.ms");
    }

    @Test
    void putsAssignConsecutiveRevisionsAndWriteChangeRecords() {
        assertThat(send(command("s1", CommandType.CREATE_STORE, null)).getStatus()).isEqualTo(Status.OK);

        Reply first = send(txn("s1", List.of(), List.of(put("a", "1")), List.of()));
        Reply second = send(txn("s1", List.of(), List.of(put("a", "2")), List.of()));

        assertThat(first.getRevision()).isEqualTo(1);
        assertThat(second.getRevision()).isEqualTo(2);
        assertThat(second.getResults().get(0).getCurrent().getVersion()).isEqualTo(2);
        assertThat(second.getResults().get(0).getCurrent().getCreateRevision()).isEqualTo(1);
        assertThat(second.getResults().get(0).getPrevious().getModRevision()).isEqualTo(1);
        assertThat(second.getResults().get(0).getCurrent().getValue().remaining())
                .as("a put's reply leaves the values out").isZero();
        assertThat(second.getResults().get(0).getPrevious().getValue().remaining()).isZero();

        List<TestRecord<String, ChangeEvent>> changes = changes("s1");
        assertThat(changes).extracting(r -> r.value().getRevision()).containsExactly(1L, 2L);
        assertThat(changes).extracting(TestRecord::key).containsExactly("a", "a");
        assertThat(utf8(changes.get(1).value().getValue())).isEqualTo("2");
        assertThat(ChangeHeaders.get(changes.get(1).headers(), ChangeHeaders.TYPE)).isEqualTo("PUT");
        assertThat(ChangeHeaders.get(changes.get(1).headers(), ChangeHeaders.REVISION)).isEqualTo("2");
        assertThat(changes.get(0).value().getPrevValue()).isNull();
        assertThat(utf8(changes.get(1).value().getPrevValue())).isEqualTo("1");
    }

    @Test
    void deleteWritesATombstoneAndDeletingAnAbsentKeyChangesNothing() {
        send(command("s1", CommandType.CREATE_STORE, null));
        send(txn("s1", List.of(), List.of(put("a", "1")), List.of()));

        Reply deleted = send(txn("s1", List.of(), List.of(op(OpType.DELETE, "a", null)), List.of()));
        Reply again = send(txn("s1", List.of(), List.of(op(OpType.DELETE, "a", null)), List.of()));

        assertThat(deleted.getRevision()).isEqualTo(2);
        assertThat(deleted.getResults().get(0).getPrevious()).isNotNull();
        assertThat(again.getRevision()).isEqualTo(2);
        assertThat(again.getResults().get(0).getPrevious()).isNull();
        List<TestRecord<String, ChangeEvent>> changes = changes("s1");
        assertThat(changes).hasSize(2);
        assertThat(changes.get(1).value().getType()).isEqualTo(ChangeType.DELETE);
        assertThat(changes.get(1).value().getRevision()).isEqualTo(2);
        assertThat(changes.get(1).headers().lastHeader(ChangeHeaders.PREV_VALUE).value()).isEqualTo("1".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void failedCompareRunsTheElseBranchAndTransactionsShareOneRevision() {
        send(command("s1", CommandType.CREATE_STORE, null));
        send(txn("s1", List.of(), List.of(put("jobs:1", "j1")), List.of()));

        Reply failed = send(txn("s1", List.of(valueEquals("jobs:1", "other")),
                List.of(put("t:a", "1")), List.of(op(OpType.GET, "jobs:1", null))));
        assertThat(failed.getSucceeded()).isFalse();
        assertThat(failed.getRevision()).isEqualTo(1);
        assertThat(utf8(failed.getResults().get(0).getCurrent().getValue())).isEqualTo("j1");

        Reply succeeded = send(txn("s1", List.of(valueEquals("jobs:1", "j1")),
                List.of(put("t:a", "1"), put("t:b", "2"), op(OpType.DELETE, "jobs:1", null)), List.of()));
        assertThat(succeeded.getSucceeded()).isTrue();
        assertThat(succeeded.getRevision()).isEqualTo(2);

        List<TestRecord<String, ChangeEvent>> changes = changes("s1");
        assertThat(changes).hasSize(4);
        assertThat(changes.subList(1, 4)).extracting(r -> r.value().getRevision()).containsOnly(2L);
        assertThat(changes.subList(1, 4)).extracting(r -> ChangeHeaders.get(r.headers(), ChangeHeaders.BATCH_INDEX))
                .containsExactly("0", "1", "2");
        assertThat(changes.subList(1, 4)).extracting(r -> ChangeHeaders.get(r.headers(), ChangeHeaders.BATCH_SIZE))
                .containsOnly("3");
    }

    @Test
    void retriedRequestIsAppliedOnceAndGetsTheOriginalReply() {
        send(command("s1", CommandType.CREATE_STORE, null));
        Command put = txn("s1", List.of(), List.of(put("a", "1")), List.of());

        Reply first = send(put);
        send(txn("s1", List.of(), List.of(put("b", "1")), List.of()));
        Reply retried = send(put);

        assertThat(retried).isEqualTo(first);
        assertThat(changes("s1")).hasSize(2);
    }


    @Test
    void aGatewayMadeIdIsNotLookedUpButItsOutcomeIsRememberedForARetryThatCarriesIt() {
        send(command("s1", CommandType.CREATE_STORE, null));
        Command fresh = txn("s1", List.of(), List.of(put("a", "1")), List.of());
        fresh.setNewRequestId(true);
        Reply first = send(fresh);

        Command clientRetry = Command.newBuilder(fresh).setNewRequestId(false).build();
        assertThat(send(clientRetry)).as("a client retrying with the id from a 504 gets the outcome").isEqualTo(first);
        assertThat(changes("s1")).hasSize(1);

        Reply trusted = send(fresh);
        assertThat(trusted.getRevision()).as("an id marked new is trusted: no lookup, so it is applied again")
                .isEqualTo(first.getRevision() + 1);
    }
    @Test
    void aRetryIsRecognisedForTheWholeDedupeWindowAndForgottenAfterTwo() {
        long window = Duration.ofMinutes(5).toMillis();
        long boundary = 4 * window;
        sendAt(command("s1", CommandType.CREATE_STORE, null), boundary - window);
        Command beforeBoundary = txn("s1", List.of(), List.of(put("a", "1")), List.of());
        Command afterBoundary = txn("s1", List.of(), List.of(put("b", "1")), List.of());
        Reply first = sendAt(beforeBoundary, boundary - 1);
        Reply second = sendAt(afterBoundary, boundary + 1);

        assertThat(sendAt(beforeBoundary, boundary - 1 + window - 1)).isEqualTo(first);
        assertThat(sendAt(afterBoundary, boundary - 1000)).as("retry through a gateway whose clock is behind").isEqualTo(second);
        assertThat(sendAt(afterBoundary, boundary + 1 + window - 1)).isEqualTo(second);
        assertThat(changes("s1")).hasSize(2);

        Reply muchLater = sendAt(beforeBoundary, boundary - 1 + 2 * window + 1);
        assertThat(muchLater.getRevision()).as("remembered for at most two windows").isEqualTo(3);
    }

    @Test
    void unknownStoresAndMalformedTransactionsAreRejectedWithoutChanges() {
        assertThat(send(txn("nope", List.of(), List.of(put("a", "1")), List.of())).getStatus()).isEqualTo(Status.NOT_FOUND);

        send(command("s1", CommandType.CREATE_STORE, null));
        Reply duplicate = send(txn("s1", List.of(), List.of(put("a", "1"), put("a", "2")), List.of()));
        assertThat(duplicate.getStatus()).isEqualTo(Status.INVALID);
        assertThat(duplicate.getRevision()).isZero();
        assertThat(send(command("s1", CommandType.CREATE_STORE, null)).getStatus()).isEqualTo(Status.ALREADY_EXISTS);
        assertThat(changes("s1")).isEmpty();
    }

    @Test
    void getInATransactionSeesTheWritesBeforeIt() {
        send(command("s1", CommandType.CREATE_STORE, null));
        send(txn("s1", List.of(), List.of(put("k", "old")), List.of()));

        Reply reply = send(txn("s1", List.of(), List.of(op(OpType.GET, "k", null), put("k", "new"), op(OpType.GET, "k", null)), List.of()));

        assertThat(utf8(reply.getResults().get(0).getCurrent().getValue())).isEqualTo("old");
        assertThat(reply.getResults().get(1).getPrevious().getModRevision()).isEqualTo(1);
        assertThat(utf8(reply.getResults().get(2).getCurrent().getValue())).isEqualTo("new");
        assertThat(reply.getResults().get(2).getCurrent().getModRevision()).isEqualTo(2);
    }

    @Test
    void storesAreIsolatedAndEachHasItsOwnRevisions() {
        send(command("s1", CommandType.CREATE_STORE, null));
        send(command("s2", CommandType.CREATE_STORE, null));
        send(txn("s1", List.of(), List.of(put("k", "one")), List.of()));
        send(txn("s1", List.of(), List.of(put("k", "one-again")), List.of()));
        Reply s2 = send(txn("s2", List.of(), List.of(put("k", "two")), List.of()));
        Reply get = send(txn("s2", List.of(), List.of(op(OpType.GET, "k", null)), List.of()));

        assertThat(s2.getRevision()).isEqualTo(1);
        assertThat(utf8(get.getResults().get(0).getCurrent().getValue())).isEqualTo("two");
        assertThat(changes("s2")).hasSize(1);
    }

    @Test
    void deletedStoreLosesItsKeysAndItsNameIsTakenUntilReleased() {
        send(command("s1", CommandType.CREATE_STORE, null));
        send(txn("s1", List.of(), List.of(put("k", "v")), List.of()));
        Reply deleted = send(command("s1", CommandType.DELETE_STORE, null));
        assertThat(deleted.getStatus()).isEqualTo(Status.OK);
        assertThat(deleted.getRevision()).isEqualTo(1);

        assertThat(send(txn("s1", List.of(), List.of(op(OpType.GET, "k", null)), List.of())).getStatus()).isEqualTo(Status.NOT_FOUND);
        assertThat(send(command("s1", CommandType.SYNC, null)).getStatus()).isEqualTo(Status.NOT_FOUND);
        assertThat(send(command("s1", CommandType.CREATE_STORE, null)).getStatus())
                .as("no store of the name until its change topic is gone").isEqualTo(Status.CONFLICT);
        assertThat(send(command("s1", CommandType.DELETE_STORE, null)).getStatus())
                .as("a repeated delete finishes the first").isEqualTo(Status.OK);

        assertThat(send(command("s1", CommandType.RELEASE_STORE_NAME, null)).getStatus()).isEqualTo(Status.OK);
        assertThat(send(command("s1", CommandType.RELEASE_STORE_NAME, null)).getStatus()).isEqualTo(Status.NOT_FOUND);
        assertThat(send(command("s1", CommandType.CREATE_STORE, null)).getStatus()).isEqualTo(Status.OK);
        Reply get = send(txn("s1", List.of(), List.of(op(OpType.GET, "k", null)), List.of()));
        assertThat(get.getResults().get(0).getCurrent()).isNull();
        assertThat(get.getRevision()).isZero();
        assertThat(send(command("s1", CommandType.RELEASE_STORE_NAME, null)).getStatus())
                .as("a live store's name is not released").isEqualTo(Status.CONFLICT);
        assertThat(send(command("s1", CommandType.SYNC, null)).getStatus()).isEqualTo(Status.OK);
    }

    @Test
    void deletingANameWithoutAStoreTakesItUntilReleased() {
        assertThat(send(command("s9", CommandType.DELETE_STORE, null)).getStatus()).isEqualTo(Status.NOT_FOUND);
        assertThat(send(command("s9", CommandType.CREATE_STORE, null)).getStatus()).isEqualTo(Status.CONFLICT);

        assertThat(send(command("s9", CommandType.RELEASE_STORE_NAME, null)).getStatus()).isEqualTo(Status.OK);
        assertThat(send(command("s9", CommandType.CREATE_STORE, null)).getStatus()).isEqualTo(Status.OK);
    }

    @Test
    void syncRepliesWithTheCurrentRevisionAndIsNotDeduplicated() {
        send(command("s1", CommandType.CREATE_STORE, null));
        send(txn("s1", List.of(), List.of(put("k", "v")), List.of()));
        Command sync = command("s1", CommandType.SYNC, null);
        assertThat(send(sync).getRevision()).isEqualTo(1);
        send(txn("s1", List.of(), List.of(put("k", "w")), List.of()));
        assertThat(send(sync).getRevision()).isEqualTo(2);
    }

    private Reply send(Command command) {
        return sendAt(command, 1_000_000);
    }

    private Reply sendAt(Command command, long timestamp) {
        commands.pipeInput(command.getStore(), DkvCodec.COMMAND.encode(command), timestamp);
        List<byte[]> out = replies.readValuesToList();
        assertThat(out).hasSize(1);
        return DkvCodec.PROCESSED_REQUEST.decode(out.get(0)).getReply();
    }

    private List<TestRecord<String, ChangeEvent>> changes(String store) {
        return driver.createOutputTopic(topics.changes(store), Serdes.String().deserializer(), new ChangeEventDeserializer())
                .readRecordsToList();
    }

    static Command command(String store, CommandType type, Txn txn) {
        return Command.newBuilder().setRequestId(UUID.randomUUID().toString()).setStore(store).setType(type).setTxn(txn).build();
    }

    static Command txn(String store, List<Compare> compare, List<Op> success, List<Op> failure) {
        return command(store, CommandType.TXN, Txn.newBuilder().setCompare(compare).setSuccess(success).setFailure(failure).build());
    }

    static Op put(String key, String value) {
        return op(OpType.PUT, key, value);
    }

    static Op op(OpType type, String key, String value) {
        return Op.newBuilder().setType(type).setKey(buffer(key)).setValue(value == null ? null : buffer(value)).build();
    }

    static Compare valueEquals(String key, String value) {
        return Compare.newBuilder().setKey(buffer(key)).setTarget(CompareTarget.VALUE).setOp(CompareOp.EQUAL)
                .setValue(buffer(value)).build();
    }

    static ByteBuffer buffer(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String utf8(ByteBuffer buffer) {
        return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }
}
