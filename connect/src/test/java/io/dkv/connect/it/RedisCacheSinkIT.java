package io.dkv.connect.it;

import static io.dkv.it.SharedDkv.changeTopic;
import static io.dkv.connect.it.SharedConnect.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.client.DkvClient;
import io.dkv.client.kv.Entry;
import io.dkv.connect.redis.RedisCacheSinkConnector;
import io.dkv.it.SharedDkv;
import io.dkv.it.SharedKafka;
import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.DkvCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The Redis cache sink end to end: writes through DKV's HTTP API, the change topic on the real
 * broker, a real Connect worker running the packaged plugin, a real redis-server.
 */
class RedisCacheSinkIT {
    private static final String CONNECTOR_CLASS = RedisCacheSinkConnector.class.getName();
    private static RedisServer redis;
    private static ConnectWorker worker;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        worker = SharedConnect.worker();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void workerFindsThePluginOnItsPluginPathThroughServiceLoading() {
        assertThat(worker.plugins()).contains(CONNECTOR_CLASS, "io.dkv.connect.converter.ChangeEventConverter");
    }

    @Test
    void validateReportsInvalidOptionsAndCrossFieldErrors() {
        Map<String, List<String>> errors = worker.validate(CONNECTOR_CLASS, Map.of("name", "v",
                "topics", "t", "mode", "invalidate", "refresh.ttl.ms", "1000", "key.template", "${store}:x"));
        assertThat(errors).containsOnlyKeys("refresh.ttl.ms", "key.template");
        assertThat(errors.get("refresh.ttl.ms")).singleElement().asString().contains("mode=refresh");
        assertThat(errors.get("key.template")).singleElement().asString().contains("${key}");

        assertThat(worker.validate(CONNECTOR_CLASS, Map.of("name", "v", "topics", "t", "mode", "refresh",
                "revision.key.suffix", ""))).containsOnlyKeys("revision.key.suffix");
        assertThat(worker.validate(CONNECTOR_CLASS, Map.of("name", "v", "topics", "t", "mode", "sometimes")))
                .containsOnlyKeys("mode");
        assertThat(worker.validate(CONNECTOR_CLASS, Map.of("name", "v", "topics", "t", "mode", "refresh",
                "refresh.ttl.ms", "1000", "key.template", "cache/${key}"))).isEmpty();
    }

    @Test
    void invalidateModeDeletesTheCachedEntryOnEveryChangeOfItsKey() {
        try (DkvClient dkv = store("inv"); Jedis jedis = redis.jedis()) {
            jedis.set("inv:a", "cached");
            jedis.set("inv:b", "cached");
            worker.createConnector("inv", sink("inv", "invalidate"));

            dkv.kv().put("a", "1");
            await().atMost(Duration.ofSeconds(30)).until(() -> !jedis.exists("inv:a"));

            jedis.set("inv:a", "cached again");
            dkv.kv().delete("a");
            await().atMost(Duration.ofSeconds(30)).until(() -> !jedis.exists("inv:a"));
            assertThat(jedis.get("inv:b")).as("a key DKV did not change stays cached").isEqualTo("cached");
            assertThat(jedis.exists("inv:a:dkv-rev")).as("invalidate mode keeps no revisions").isFalse();
        } finally {
            worker.deleteConnector("inv");
        }
    }

    @Test
    void refreshModeWritesEachNewValueWithItsTtlAndDeletesOnDelete() {
        try (DkvClient dkv = store("ref"); Jedis jedis = redis.jedis()) {
            Map<String, String> config = sink("ref", "refresh");
            config.put("refresh.ttl.ms", "600000");
            worker.createConnector("ref", config);

            dkv.kv().put("a", "1");
            await().atMost(Duration.ofSeconds(30)).until(() -> "1".equals(jedis.get("ref:a")));
            long revision = dkv.kv().put("a", "2").modRevision();
            await().atMost(Duration.ofSeconds(30)).until(() -> "2".equals(jedis.get("ref:a")));
            assertThat(jedis.get("ref:a:dkv-rev")).isEqualTo(Long.toString(revision));
            assertThat(jedis.pttl("ref:a")).isBetween(1L, 600_000L);

            dkv.kv().delete("a");
            await().atMost(Duration.ofSeconds(30)).until(() -> !jedis.exists("ref:a"));
            assertThat(Long.parseLong(jedis.get("ref:a:dkv-rev"))).as("the delete's revision is kept").isGreaterThan(revision);
        } finally {
            worker.deleteConnector("ref");
        }
    }

    @Test
    void changesMadeWhileTheSinkIsPausedEndAsTheLogSays() {
        try (DkvClient dkv = store("order"); Jedis jedis = redis.jedis()) {
            worker.createConnector("order", sink("order", "refresh"));
            dkv.kv().put("stays", "old");
            await().atMost(Duration.ofSeconds(30)).until(() -> "old".equals(jedis.get("order:stays")));

            worker.pause("order");
            dkv.kv().put("goes", "briefly");
            dkv.kv().delete("goes");
            dkv.kv().delete("stays");
            dkv.kv().put("stays", "new");
            worker.resume("order");

            await().atMost(Duration.ofSeconds(30)).until(() -> "new".equals(jedis.get("order:stays")));
            await().atMost(Duration.ofSeconds(30)).until(() -> jedis.exists("order:goes:dkv-rev"));
            assertThat(jedis.exists("order:goes")).isFalse();
        } finally {
            worker.deleteConnector("order");
        }
    }

    @Test
    void replayingTheTopicFromTheStartNeverWritesAnOlderValueAndEndsEqualToDkv() throws Exception {
        try (DkvClient dkv = store("replay"); Jedis jedis = redis.jedis()) {
            Random random = new Random(7);
            for (int i = 0; i < 300; i++) {
                String key = "k" + random.nextInt(30);
                if (random.nextInt(4) == 0) {
                    dkv.kv().delete(key);
                } else {
                    dkv.kv().put(key, "v" + i);
                }
            }
            worker.createConnector("replay", sink("replay", "refresh"));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(redisState(jedis, "replay")).isEqualTo(dkvState(dkv)));
            worker.deleteConnector("replay");

            try (Admin admin = admin()) {
                admin.deleteConsumerGroups(List.of("connect-replay")).all().get();
            }
            long setsBefore = commandCalls(jedis, "set");
            long scriptsBefore = commandCalls(jedis, "evalsha");
            Map<String, String> replay = sink("replay", "refresh");
            // Small batches, so that most replayed changes are older than what Redis holds.
            replay.put("consumer.override.max.poll.records", "10");
            worker.createConnector("replay", replay);
            TopicPartition partition = new TopicPartition(changeTopic("replay"), 0);
            await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset("connect-replay", partition) >= endOffset(partition) - 1);

            assertThat(commandCalls(jedis, "evalsha") - scriptsBefore).as("the sink replayed the changes, ten records a batch").isGreaterThanOrEqualTo(200);
            assertThat(commandCalls(jedis, "set")).as("no replayed change wrote anything").isEqualTo(setsBefore);
            assertThat(redisState(jedis, "replay")).isEqualTo(dkvState(dkv));
        } finally {
            worker.deleteConnector("replay");
        }
    }

    @Test
    void aWorkerKilledMidStreamLeavesNoStaleValueOnceRestarted() throws Exception {
        try (DkvClient dkv = store("crash"); Jedis jedis = redis.jedis()) {
            worker.createConnector("crash", sink("crash", "refresh"));
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger written = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                Random random = new Random(11);
                try {
                    for (int i = 0; writing.get(); i++) {
                        String key = "k" + random.nextInt(20);
                        if (random.nextInt(5) == 0) {
                            dkv.kv().delete(key);
                        } else {
                            dkv.kv().put(key, "v" + i);
                        }
                        written.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            writer.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> redisState(jedis, "crash").size() >= 5);
            worker.kill();
            int writtenAtKill = written.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= writtenAtKill + 100);
            worker.startAgain();
            worker.createConnector("crash", sink("crash", "refresh"));
            writing.set(false);
            writer.join();
            assertThat(failure.get()).isNull();

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(redisState(jedis, "crash")).isEqualTo(dkvState(dkv)));
        } finally {
            worker.deleteConnector("crash");
        }
    }

    @Test
    void aRedisOutageHoldsChangesBackAndTheSinkCatchesUpWithNothingLost() throws Exception {
        try (DkvClient dkv = store("outage")) {
            Map<String, String> config = sink("outage", "refresh");
            config.put("retry.backoff.ms", "200");
            config.put("redis.timeout.ms", "500");
            worker.createConnector("outage", config);
            dkv.kv().put("a", "1");
            dkv.kv().put("b", "1");
            try (Jedis jedis = redis.jedis()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> "1".equals(jedis.get("outage:b")));
            }

            redis.shutdown();
            dkv.kv().put("a", "2");
            dkv.kv().delete("b");
            dkv.kv().put("c", "1");
            TopicPartition partition = new TopicPartition(changeTopic("outage"), 0);
            long end = endOffset(partition);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> committedOffset("connect-outage", partition) < end - 1);
            assertThat(worker.status("outage").getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");

            redis.startAgain();
            try (Jedis jedis = redis.jedis()) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(redisState(jedis, "outage")).isEqualTo(dkvState(dkv)));
                assertThat(redisState(jedis, "outage")).containsOnlyKeys("a", "c");
            }
        } finally {
            worker.deleteConnector("outage");
        }
    }

    @Test
    void anUndecodableRecordAndOneRedisRefusesGoToTheDeadLetterQueueAndTheRestFlow() throws Exception {
        String side = SharedDkv.topicPrefix() + ".side";
        String dlq = SharedDkv.topicPrefix() + ".dlq";
        try (DkvClient dkv = store("dlq"); Jedis jedis = redis.jedis();
                KafkaProducer<byte[], byte[]> producer = producer()) {
            Map<String, String> config = sink("dlq", "refresh");
            config.put("topics", changeTopic("dlq") + "," + side);
            config.put("key.template", "${store}:${key}");
            config.put("errors.tolerance", "all");
            config.put("errors.deadletterqueue.topic.name", dlq);
            config.put("errors.deadletterqueue.topic.replication.factor", "1");
            config.put("errors.deadletterqueue.context.headers.enable", "true");
            try (Admin admin = admin()) {
                admin.createTopics(List.of(new NewTopic(side, 1, (short) 1))).all().get();
            }
            worker.createConnector("dlq", config);

            producer.send(new ProducerRecord<>(side, bytes("garbage"), bytes("not a change event")));
            producer.send(changeRecord(side, "after-garbage", "fine", 1));
            producer.flush();
            jedis.lpush("dlq:wrong-type:dkv-rev", "a list, where the sink expects a revision");
            dkv.kv().put("wrong-type", "refused by Redis");
            dkv.kv().put("good", "flows");

            await().atMost(Duration.ofSeconds(30)).until(() -> "flows".equals(jedis.get("dlq:good")));
            await().atMost(Duration.ofSeconds(30)).until(() -> "fine".equals(jedis.get("dlq:after-garbage")));
            Map<String, String> reasons = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
                consumer.assign(List.of(new TopicPartition(dlq, 0)));
                consumer.seekToBeginning(consumer.assignment());
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        reasons.put(new String(record.key(), StandardCharsets.UTF_8),
                                header(record, "__connect.errors.exception.message"));
                    }
                    return reasons.size() >= 2;
                });
            }
            assertThat(reasons).containsOnlyKeys("garbage", "wrong-type");
            assertThat(reasons.get("garbage")).contains("not a DKV change event");
            assertThat(reasons.get("wrong-type")).contains("WRONGTYPE");
        } finally {
            worker.deleteConnector("dlq");
        }
    }

    @Test
    void tasksShareTheChangeTopicsOfManyStores() throws Exception {
        try (DkvClient left = store("scalea"); DkvClient right = store("scaleb"); Jedis jedis = redis.jedis()) {
            Map<String, String> config = sink("scalea", "refresh");
            config.put("topics", changeTopic("scalea") + "," + changeTopic("scaleb"));
            config.put("tasks.max", "2");
            config.put("consumer.override.partition.assignment.strategy",
                    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
            worker.createConnector("scale", config);
            assertThat(worker.status("scale").getJsonArray("tasks")).hasSize(2);
            try (Admin admin = admin()) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.describeConsumerGroups(List.of("connect-scale"))
                        .all().get().get("connect-scale").members())
                        .as("each task reads one store's partition")
                        .hasSize(2).allSatisfy(member -> assertThat(member.assignment().topicPartitions()).hasSize(1)));
            }
            left.kv().put("k", "left");
            right.kv().put("k", "right");
            await().atMost(Duration.ofSeconds(30)).until(() -> "left".equals(jedis.get("scalea:k")) && "right".equals(jedis.get("scaleb:k")));
        } finally {
            worker.deleteConnector("scale");
        }
    }

    private static Map<String, String> sink(String store, String mode) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", CONNECTOR_CLASS);
        config.put("topics", changeTopic(store));
        config.put("tasks.max", "1");
        config.put("mode", mode);
        config.put("redis.uri", redis.uri());
        config.put("consumer.override.isolation.level", "read_committed");
        return config;
    }

    private static Map<String, String> dkvState(DkvClient dkv) {
        Map<String, String> state = new TreeMap<>();
        for (Entry<String> entry : dkv.kv().list("")) {
            state.put(entry.key(), entry.value());
        }
        return state;
    }

    /** The cached entries of a store, without the revisions kept beside them. */
    private static Map<String, String> redisState(Jedis jedis, String store) {
        Map<String, String> state = new TreeMap<>();
        for (String key : jedis.keys(store + ":*")) {
            if (!key.endsWith(":dkv-rev")) {
                state.put(key.substring(store.length() + 1), jedis.get(key));
            }
        }
        return state;
    }

    /** How often Redis ran a command, from INFO commandstats (commands run by scripts included). */
    private static long commandCalls(Jedis jedis, String command) {
        for (String line : jedis.info("commandstats").split("\r\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                String calls = line.substring(line.indexOf("calls=") + 6);
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()));
    }

    private static long committedOffset(String group, TopicPartition partition) throws Exception {
        try (Admin admin = admin()) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(partition);
            return offset == null ? -1 : offset.offset();
        }
    }

    private static long endOffset(TopicPartition partition) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A change record as DKV writes it, for a topic DKV does not own. */
    private static ProducerRecord<byte[], byte[]> changeRecord(String topic, String key, String value, long revision) {
        byte[] encoded = DkvCodec.CHANGE_EVENT.encode(ChangeEvent.newBuilder().setType(ChangeType.PUT)
                .setValue(ByteBuffer.wrap(bytes(value))).setRevision(revision).setCreateRevision(revision).setVersion(1).build());
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, bytes(key), encoded);
        ChangeHeaders.put(record.headers(), ChangeHeaders.TYPE, "PUT");
        ChangeHeaders.put(record.headers(), ChangeHeaders.REVISION, revision);
        ChangeHeaders.put(record.headers(), ChangeHeaders.STORE, "dlq");
        return record;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
