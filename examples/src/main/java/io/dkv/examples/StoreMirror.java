package io.dkv.examples;

import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeEventDeserializer;
import io.dkv.schemas.ChangeType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A store mirrored into a {@code HashMap} by a plain {@code KafkaConsumer} of its change topic,
 * without DKV's HTTP API: a full copy from the beginning of the topic, then every change as it
 * commits.
 *
 * <ul>
 *   <li>{@code isolation.level=read_committed}: DKV writes change records in transactions, and an
 *       aborted one must not be seen.</li>
 *   <li>No consumer group: the mirror assigns the topic's one partition and reads it from the start
 *       each time it starts, which compaction keeps to about one record per live key.</li>
 *   <li>A delete is a tombstone (null value); its revision is in its headers.</li>
 * </ul>
 *
 * <p>Run it with {@code KAFKA_BOOTSTRAP} (default localhost:19092, the embedded broker of bin/dkv), {@code DKV_TOPIC_PREFIX} (default
 * dkv) and {@code DKV_STORE}: {@code java -cp 'examples/target/examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' io.dkv.examples.StoreMirror}.
 * Not thread-safe: one thread polls; {@link #snapshot()} may be read from any thread.
 */
public final class StoreMirror implements AutoCloseable {
    private final KafkaConsumer<String, ChangeEvent> consumer;
    private final Map<String, String> data = new ConcurrentHashMap<>();
    private volatile long revision;

    public StoreMirror(String bootstrapServers, String changeTopic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ChangeEventDeserializer());
        List<TopicPartition> partitions = List.of(new TopicPartition(changeTopic, 0));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Applies the changes that arrive within {@code timeout}. */
    public void poll(Duration timeout) {
        for (ConsumerRecord<String, ChangeEvent> record : consumer.poll(timeout)) {
            ChangeEvent event = record.value() != null ? record.value() : ChangeEventDeserializer.fromTombstone(record.headers());
            if (event.getType() == ChangeType.DELETE) {
                data.remove(record.key());
            } else {
                data.put(record.key(), StandardCharsets.UTF_8.decode(event.getValue()).toString());
            }
            revision = event.getRevision();
        }
    }

    /** The store as of {@link #revision()}. */
    public Map<String, String> snapshot() {
        return Map.copyOf(data);
    }

    /** The revision of the last change applied. */
    public long revision() {
        return revision;
    }

    @Override
    public void close() {
        consumer.close();
    }

    public static void main(String[] args) {
        String prefix = System.getenv().getOrDefault("DKV_TOPIC_PREFIX", "dkv");
        String store = System.getenv().getOrDefault("DKV_STORE", "examples");
        try (StoreMirror mirror = new StoreMirror(System.getenv().getOrDefault("KAFKA_BOOTSTRAP", "localhost:19092"),
                prefix + ".store." + store + ".changes")) {
            long shown = -1;
            while (true) {
                mirror.poll(Duration.ofSeconds(1));
                if (mirror.revision() != shown) {
                    shown = mirror.revision();
                    System.out.println("revision " + shown + ": " + mirror.snapshot());
                }
            }
        }
    }
}
