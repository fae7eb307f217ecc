package io.dkv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dkv.server.internals.EnvironmentAndFileDefaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Options come from flags, then DKV_* variables, then the --config file, then defaults. */
class ConfigSourcesTest {

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dkv.properties");
        Files.writeString(file, "port=9000\nmax-key-bytes=77\ntopic-prefix=fromfile\nmax-page-size=5\n");
        Map<String, String> env = Map.of("DKV_PORT", "9100", "DKV_TOPIC_PREFIX", "fromenv");
        String[] args = {"--config", file.toString(), "--topic-prefix", "fromflag"};

        DkvConfig config = new DkvConfig();
        new CommandLine(new DkvMain(config)).setDefaultValueProvider(new EnvironmentAndFileDefaults(env, args)).parseArgs(args);

        assertThat(config.topicPrefix).isEqualTo("fromflag");
        assertThat(config.port).isEqualTo(9100);
        assertThat(config.maxKeyBytes).isEqualTo(77);
        assertThat(config.limits().maxPageSize()).isEqualTo(5);
        assertThat(config.maxValueBytes).isEqualTo(1_048_576);
        assertThat(config.applicationId()).isEqualTo("fromflag");
        assertThat(config.bootstrapServers).isNull();
    }

    @Test
    void kafkaPropertiesComeFromRepeatedFlagsOrFromTheEnvironment() {
        String[] args = {"--streams-property", "producer.linger.ms=20", "--streams-property", "num.standby.replicas=1"};
        Map<String, String> env = Map.of("DKV_BROKER_PROPERTY", "num.io.threads=2,num.network.threads=2");

        DkvConfig config = new DkvConfig();
        new CommandLine(new DkvMain(config)).setDefaultValueProvider(new EnvironmentAndFileDefaults(env, args)).parseArgs(args);

        assertThat(config.streamsProperties).containsExactly(Map.entry("producer.linger.ms", "20"), Map.entry("num.standby.replicas", "1"));
        assertThat(config.brokerProperties).containsExactly(Map.entry("num.io.threads", "2"), Map.entry("num.network.threads", "2"));
    }

    @Test
    void defaultsAreTheSingleMachineSetUp() {
        DkvConfig config = DkvConfig.defaults();
        assertThat(config.port).isEqualTo(7861);
        assertThat(config.bootstrapServers).isNull();
        assertThat(config.dataDir).isEqualTo(Path.of("data"));
    }

    @Test
    void anOptionOutOfRangeIsNamedWithItsVariableAndStopsTheStartBeforeAnythingRuns(@TempDir Path dir) {
        DkvConfig config = new DkvConfig();
        new CommandLine(new DkvMain(config)).parseArgs("--port", "70000", "--http-event-loops", "-1",
                "--max-page-size", "10", "--stream-threads", "0", "--replication-factor", "0",
                "--data-dir", dir.resolve("data").toString());

        assertThat(config.problems()).containsExactly(
                "--port (DKV_PORT) is 70000 but must be from 0 to 65535",
                "--replication-factor (DKV_REPLICATION_FACTOR) is 0 but must be -1 (the broker default) or at least 1",
                "--http-event-loops (DKV_HTTP_EVENT_LOOPS) is -1 but must be at least 0",
                "--stream-threads (DKV_STREAM_THREADS) is 0 but must be at least 1");
        assertThatThrownBy(() -> DkvServer.start(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--port (DKV_PORT)")
                .hasMessageContaining("--stream-threads (DKV_STREAM_THREADS)");
        assertThat(dir.resolve("data")).doesNotExist();
        assertThat(DkvConfig.defaults().problems()).isEmpty();
    }

    @Test
    void withoutAuthenticationDkvServesLoopbackOnlyUnlessToldInsecure() {
        assertThat(DkvConfig.defaults().loopbackOnly()).isTrue();

        DkvConfig exposed = new DkvConfig();
        new CommandLine(new DkvMain(exposed)).parseArgs("--host", "0.0.0.0");
        assertThat(exposed.problems()).singleElement().asString()
                .contains("--host (DKV_HOST) is 0.0.0.0").contains("--insecure (DKV_INSECURE=true)");
        assertThatThrownBy(() -> DkvServer.start(exposed)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--insecure");

        DkvConfig insecure = new DkvConfig();
        new CommandLine(new DkvMain(insecure)).setDefaultValueProvider(new EnvironmentAndFileDefaults(
                Map.of("DKV_HOST", "0.0.0.0", "DKV_INSECURE", "true"), new String[0])).parseArgs();
        assertThat(insecure.insecure).isTrue();
        assertThat(insecure.problems()).isEmpty();

        DkvConfig localhost = new DkvConfig();
        new CommandLine(new DkvMain(localhost)).parseArgs("--host", "localhost");
        assertThat(localhost.problems()).isEmpty();
    }

    @Test
    void theDefaultPageSizeIsCappedAtTheLargestPage() {
        DkvConfig config = new DkvConfig();
        new CommandLine(new DkvMain(config)).parseArgs("--max-page-size", "10");

        assertThat(config.problems()).isEmpty();
        assertThat(config.limits().defaultPageSize()).isEqualTo(10);
        assertThat(DkvConfig.defaults().limits().defaultPageSize()).isEqualTo(100);
    }
}
