package io.dkv.kafka;

import java.util.concurrent.TimeUnit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft mode (combined broker and controller) running in this
 * JVM, for the single-machine DKV and for tests.
 *
 * <p>The log directory is formatted on first start and reused afterwards, so data survives a
 * restart on the same directory. Internal topics use replication factor 1. Not thread-safe:
 * start and close from one thread.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> overrides;
    private final Map<String, String> clientProperties;
    private KafkaRaftServer server;

    /**
     * @param logDir where the broker keeps its log; created if missing
     * @param port the port of the listener named PLAINTEXT, or 0 to pick a free one
     * @param overrides broker properties that replace the defaults below (a SASL listener, an authorizer)
     * @param clientProperties what a client needs to connect when {@code overrides} secure the listener
     *     (security.protocol, sasl.*); used to check that the broker answers
     */
    public EmbeddedKafkaBroker(Path logDir, int port, Map<String, String> overrides, Map<String, String> clientProperties) {
        this.logDir = logDir;
        this.port = port == 0 ? LocalPorts.free() : port;
        this.controllerPort = LocalPorts.free();
        this.overrides = Map.copyOf(overrides);
        this.clientProperties = Map.copyOf(clientProperties);
    }

    public EmbeddedKafkaBroker(Path logDir, int port, Map<String, String> overrides) {
        this(logDir, port, overrides, Map.of());
    }

    public EmbeddedKafkaBroker(Path logDir, int port) {
        this(logDir, port, Map.of());
    }

    /** Formats the log directory if needed, starts the broker and waits until it answers. */
    public EmbeddedKafkaBroker start() {
        long started = System.nanoTime();
        try {
            Files.createDirectories(logDir);
            Path propsFile = logDir.resolveSibling(logDir.getFileName() + ".properties");
            Properties props = brokerProperties();
            try (OutputStream out = Files.newOutputStream(propsFile)) {
                props.store(out, "DKV embedded broker");
            }
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(propsFile);
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
            server.startup();
            awaitReady(Duration.ofSeconds(60));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Kafka log directory " + logDir, e);
        }
        LOG.info("Embedded Kafka broker ready at {} (log dir {}) in {} ms",
                bootstrapServers(), logDir, (System.nanoTime() - started) / 1_000_000);
        return this;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        p.put("message.max.bytes", String.valueOf(4 * 1024 * 1024));
        // After a crash the controller (restarted in the same process) still holds the broker's previous
        // registration and refuses the new one until that session expires: with the default of 9 s, each
        // restart after a SIGKILL waited 9 to 10 s here. Broker and controller share this process, so a
        // shorter session costs nothing: when one stops heartbeating, both are gone.
        p.put("broker.session.timeout.ms", "2000");
        p.put("broker.heartbeat.interval.ms", "500");
        // The active controller appends a no-op record to the metadata log this often so that other
        // nodes can tell a live quorum from a stalled one; with Kafka's 500 ms an idle single-node
        // DKV spent 0.2-0.25 % of a core on the raft thread writing them, and there are no other nodes.
        p.put("metadata.max.idle.interval.ms", "5000");
        // Every idle request handler and network thread wakes about three times a second, and broker
        // and controller each start Kafka's 8 handlers and 3 network threads per listener, plus 4 group
        // coordinator threads: sized for a shared cluster, not for the few connections of one DKV
        // process, and 0.3 % of a core idle (docs/BENCHMARKS.md, idle CPU).
        p.put("num.io.threads", String.valueOf(Math.min(8, Math.max(2, Runtime.getRuntime().availableProcessors()))));
        p.put("num.network.threads", "1");
        p.put("group.coordinator.threads", "1");
        p.putAll(overrides);
        return p;
    }

    private void format(Path propsFile) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            code = StorageTool.execute(new String[] {
                "format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString(), "--ignore-formatted"
            }, out);
        }
        if (code != 0) {
            throw new IllegalStateException("formatting the Kafka log directory " + logDir + " failed: "
                    + output.toString(StandardCharsets.UTF_8) + " Remove the directory if it is not a Kafka log.");
        }
    }

    private void awaitReady(Duration timeout) {
        try (Admin admin = Admin.create(new KafkaCluster(bootstrapServers(), clientProperties).properties())) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the embedded Kafka broker did not answer within " + timeout, e);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }
}
