package io.dkv.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dkv.it.InstalledTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * compose/docker-compose.yml is a valid deployment of three KRaft brokers and two DKV nodes.
 * Validated with {@code docker-compose config}, which needs no Docker engine. CI installs
 * docker-compose, so there the test always runs; elsewhere it is skipped when the tool is missing.
 */
class ComposeFileTest {
    private static final Path COMPOSE = Path.of("..", "compose", "docker-compose.yml");

    @Test
    void composeFileValidatesAndDeclaresThreeBrokersAndTwoDkvNodes() throws Exception {
        assumeTrue(InstalledTools.available("docker-compose"), "docker-compose is not installed (apt-get install docker-compose)");

        Process process = new ProcessBuilder("docker-compose", "-f", COMPOSE.toString(), "config")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();

        assertThat(output).contains("kafka-1:", "kafka-2:", "kafka-3:", "dkv-1:", "dkv-2:");
        assertThat(output).contains("image: apache/kafka:4.4.0");
        assertThat(output).contains("KAFKA_PROCESS_ROLES: broker,controller");
        assertThat(output).contains("DKV_BOOTSTRAP_SERVERS: kafka-1:9092,kafka-2:9092,kafka-3:9092");
        assertThat(output).as("the nodes must reach each other, which loopback-only DKV refuses without --insecure")
                .contains("DKV_HOST: 0.0.0.0").containsPattern("DKV_INSECURE: \"?true\"?");
        assertThat(Files.readString(Path.of("..", "compose", "Dockerfile"))).contains("io.dkv.server.DkvMain");
    }
}
