package io.dkv.it;

import io.dkv.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The one real Kafka broker shared by every integration test in this JVM: Testcontainers' Kafka
 * module when a Docker engine is present, otherwise an embedded KRaft broker from Maven artifacts.
 * Tests isolate themselves with their own topic prefix and application id.
 */
public final class SharedKafka {
    private static String bootstrapServers;

    private SharedKafka() {
    }

    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = DockerClientFactory.instance().isDockerAvailable() ? startContainer() : startEmbedded();
        }
        return bootstrapServers;
    }

    private static String startContainer() {
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse("apache/kafka:4.4.0"));
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop));
        return kafka.getBootstrapServers();
    }

    private static String startEmbedded() {
        try {
            Path dir = Files.createTempDirectory("dkv-test-kafka");
            // A quick log cleaner, so compaction tests need not wait the default 15 s between runs.
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0,
                    Map.of("log.cleaner.backoff.ms", "200")).start();
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
            return broker.bootstrapServers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
