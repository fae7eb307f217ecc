package io.dkv.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.client.DkvClient;
import io.dkv.it.SharedDkv;
import io.dkv.it.SharedKafka;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** The change-topic readers against a real DKV on the real broker. */
class ChangeTopicExamplesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static DkvClient client(String store) {
        DkvClient client = DkvClient.connect(store, "localhost:" + SharedDkv.port());
        client.createStore();
        return client;
    }

    @Test
    void aMirrorTakesAFullCopyAndThenFollowsEveryChange() {
        String store = "mirror" + UUID.randomUUID().toString().substring(0, 8);
        try (DkvClient dkv = client(store)) {
            dkv.kv().put("a", "1");
            dkv.kv().put("b", "1");
            dkv.kv().delete("b");
            long copied = dkv.kv().put("c", "1").revision();
            try (StoreMirror mirror = new StoreMirror(SharedKafka.bootstrapServers(), SharedDkv.changeTopic(store))) {
                await().atMost(WAIT).until(() -> {
                    mirror.poll(Duration.ofMillis(100));
                    return mirror.revision() >= copied;
                });
                assertThat(mirror.snapshot()).isEqualTo(Map.of("a", "1", "c", "1"));

                dkv.kv().put("a", "2");
                long last = dkv.kv().delete("c").revision();
                await().atMost(WAIT).until(() -> {
                    mirror.poll(Duration.ofMillis(100));
                    return mirror.revision() >= last;
                });
                assertThat(mirror.snapshot()).isEqualTo(Map.of("a", "2"));
                assertThat(mirror.revision()).isEqualTo(last);
            }
        }
    }

    @Test
    void ordersAreJoinedWithTheCustomerNameDkvHoldsWhenTheyArrive() throws Exception {
        String store = "customers" + UUID.randomUUID().toString().substring(0, 8);
        String orders = SharedDkv.topicPrefix() + "." + store + ".orders";
        String enriched = orders + "-enriched";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(orders, 1, (short) 1), new NewTopic(enriched, 1, (short) 1))).all().get();
        }
        try (DkvClient dkv = client(store);
                KafkaStreams streams = new KafkaStreams(OrderEnrichment.topology(SharedDkv.changeTopic(store), orders, enriched),
                        OrderEnrichment.config(SharedKafka.bootstrapServers(), store + "-enrichment",
                                Files.createTempDirectory("dkv-streams-example")));
                KafkaProducer<String, String> producer = producer();
                KafkaConsumer<String, String> consumer = consumer(enriched)) {
            dkv.kv().put("c1", "Alice");
            streams.start();
            List<String> results = new ArrayList<>();

            producer.send(new ProducerRecord<>(orders, "c1", "order 1")).get();
            awaitResults(consumer, results, 1);
            dkv.kv().put("c1", "Alice Smith");
            dkv.kv().put("c2", "Bob");
            dkv.kv().delete("c2");
            await().atMost(WAIT).until(() -> {
                producer.send(new ProducerRecord<>(orders, "c1", "probe")).get();
                return awaitResults(consumer, results, results.size() + 1).get(results.size() - 1).equals("probe for Alice Smith");
            });
            producer.send(new ProducerRecord<>(orders, "c1", "order 2")).get();
            producer.send(new ProducerRecord<>(orders, "c2", "order 3")).get();
            awaitResults(consumer, results, results.size() + 2);

            assertThat(results.get(0)).isEqualTo("order 1 for Alice");
            assertThat(results.subList(results.size() - 2, results.size()))
                    .containsExactly("order 2 for Alice Smith", "order 3 for an unknown customer");
        }
    }

    private static List<String> awaitResults(KafkaConsumer<String, String> consumer, List<String> results, int count) {
        await().atMost(WAIT).until(() -> {
            consumer.poll(Duration.ofMillis(100)).forEach(r -> results.add(r.value()));
            return results.size() >= count;
        });
        return results;
    }

    private static KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, topic + "-reader");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }
}
