package io.dkv.examples;

import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeEventSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;

/**
 * A Kafka Streams application that reads a DKV store's change topic as a {@code KTable} and joins a
 * stream with it: orders keyed by customer id, enriched with the customer's name kept in the store
 * {@code customers} (key: customer id, value: name). A rename in DKV applies to the orders that
 * follow it; a deleted customer leaves the key out of the table.
 *
 * <ul>
 *   <li>{@link ChangeEventSerde#tableValues()}: a tombstone is a null value, which removes the key
 *       from the table.</li>
 *   <li>The consumers read {@code read_committed}: DKV writes change records in transactions.</li>
 *   <li>A change topic has one partition, so the orders topic must have one too (a join needs
 *       co-partitioned topics).</li>
 * </ul>
 *
 * <p>Run it with {@code KAFKA_BOOTSTRAP} (default localhost:19092, the embedded broker of bin/dkv) and {@code DKV_TOPIC_PREFIX}
 * (default dkv); it reads {@code orders} and writes {@code orders-enriched}.
 */
public final class OrderEnrichment {
    private OrderEnrichment() {
    }

    public static Topology topology(String customersTopic, String ordersTopic, String enrichedTopic) {
        StreamsBuilder builder = new StreamsBuilder();
        KTable<String, String> names = builder
                .table(customersTopic, Consumed.with(Serdes.String(), ChangeEventSerde.tableValues()))
                .mapValues(OrderEnrichment::name);
        builder.stream(ordersTopic, Consumed.with(Serdes.String(), Serdes.String()))
                .leftJoin(names, (order, name) -> order + " for " + (name == null ? "an unknown customer" : name))
                .to(enrichedTopic, Produced.with(Serdes.String(), Serdes.String()));
        return builder.build();
    }

    private static String name(ChangeEvent event) {
        return StandardCharsets.UTF_8.decode(event.getValue().duplicate()).toString();
    }

    public static Properties config(String bootstrapServers, String applicationId, Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        return props;
    }

    public static void main(String[] args) throws Exception {
        String prefix = System.getenv().getOrDefault("DKV_TOPIC_PREFIX", "dkv");
        Properties config = config(System.getenv().getOrDefault("KAFKA_BOOTSTRAP", "localhost:19092"),
                "dkv-order-enrichment", Path.of(System.getProperty("java.io.tmpdir"), "dkv-order-enrichment"));
        KafkaStreams streams = new KafkaStreams(topology(prefix + ".store.customers.changes", "orders", "orders-enriched"), config);
        Runtime.getRuntime().addShutdownHook(new Thread(streams::close));
        streams.start();
        Thread.currentThread().join();
    }
}
