package io.dkv.server;

import io.dkv.gateway.HttpGateway;
import io.dkv.gateway.auth.Authentication;
import io.dkv.gateway.auth.OpenStreams;
import io.dkv.gateway.auth.internals.AccessFile;
import io.dkv.gateway.auth.internals.JwtKeys;
import io.dkv.gateway.limit.AbuseLimits;
import io.dkv.gateway.tls.ServerTls;
import io.dkv.gateway.election.ElectionHandlers;
import io.dkv.gateway.internals.CommandBus;
import io.dkv.gateway.internals.OwnerReads;
import io.dkv.gateway.internals.Owners;
import io.dkv.gateway.internals.ReadForwarder;
import io.dkv.gateway.internals.StateReader;
import io.dkv.gateway.kv.KvHandlers;
import io.dkv.gateway.lease.LeaseHandlers;
import io.dkv.gateway.lease.LeaseKeepAliveSocket;
import io.dkv.gateway.lock.LockHandlers;
import io.dkv.gateway.ops.Readiness;
import io.dkv.gateway.store.StoreHandlers;
import io.dkv.gateway.watch.SseWatchHandler;
import io.dkv.gateway.watch.WebSocketWatchHandler;
import io.dkv.gateway.watch.internals.WatchStarter;
import io.dkv.gateway.watch.internals.ChangeFeed;
import io.dkv.gateway.watch.internals.HistoryReader;
import io.dkv.kafka.DkvTopics;
import io.dkv.kafka.EmbeddedKafkaBroker;
import io.dkv.kafka.KafkaCluster;
import io.dkv.kafka.RequiredAcls;
import io.dkv.kafka.LocalPorts;
import io.dkv.kafka.TopicManager;
import io.dkv.streams.DkvTopology;
import io.dkv.streams.StreamsNode;
import io.dkv.streams.StreamsSettings;
import io.dkv.streams.internals.HangingTransactionRepair;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DKV process: optionally an embedded Kafka broker, the Streams instance that owns some of
 * the stores, and the HTTP gateway in front of all of them. {@link #start} blocks until the
 * process serves; {@link #close} stops the parts in reverse order.
 */
public final class DkvServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DkvServer.class);
    private static final Duration STREAMS_START_WAIT = Duration.ofSeconds(60);
    /** How often a start that is not yet RUNNING looks for hanging transactions that would keep it so. */
    private static final Duration HANGING_TRANSACTION_CHECK = Duration.ofSeconds(5);

    private final Deque<AutoCloseable> parts = new ArrayDeque<>();
    private String bootstrapServers;
    private int port;
    private CompletableFuture<String> failed = new CompletableFuture<>();

    private DkvServer() {
    }

    /**
     * Starts every part and returns once the HTTP port is open.
     *
     * @throws IllegalArgumentException naming every option out of its range ({@link DkvConfig#problems()});
     *     nothing has been started then
     * @throws RuntimeException with a message that says what to fix if a part cannot start
     *     (for example a topic with a conflicting configuration, or an ACL that Kafka lacks for DKV's
     *     principal); the parts started so far are closed
     */
    public static DkvServer start(DkvConfig config) {
        List<String> problems = config.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        // Read before anything starts, so a broken access file or key stops DKV at once with its message.
        AccessFile accessFile = config.accessFile == null ? null : AccessFile.load(config.accessFile);
        DkvServer server = new DkvServer();
        try {
            server.startParts(config, accessFile);
            return server;
        } catch (RuntimeException e) {
            server.close();
            Optional<String> refused = RequiredAcls.explain(e, config.topicPrefix, config.applicationId());
            if (refused.isPresent()) {
                throw new IllegalStateException(refused.get(), e);
            }
            throw e;
        }
    }

    private void startParts(DkvConfig config, AccessFile accessFile) {
        long started = System.nanoTime();
        Path dataDir = config.dataDir.toAbsolutePath();
        if (config.bootstrapServers == null) {
            progress("1/4", "starting the embedded Kafka broker (KRaft) in " + dataDir.resolve("kafka"));
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir.resolve("kafka"), config.kafkaPort, config.brokerProperties,
                    config.kafkaProperties).start();
            parts.push(broker);
            bootstrapServers = broker.bootstrapServers();
        } else {
            progress("1/4", "using the Kafka cluster at " + config.bootstrapServers);
            bootstrapServers = config.bootstrapServers;
        }

        progress("2/4", "checking DKV's topics");
        KafkaCluster kafka = new KafkaCluster(bootstrapServers, config.kafkaProperties);
        Admin admin = Admin.create(kafka.properties());
        parts.push(admin);
        DkvTopics topics = new DkvTopics(config.topicPrefix, config.topicSettings());
        TopicManager topicManager = new TopicManager(admin, topics);
        String repliesTopic = DkvTopology.repliesTopic(config.applicationId());
        topicManager.ensureCoreTopics(repliesTopic, DkvTopology.repliesRetentionMs(Duration.ofMillis(config.dedupeWindowMs), config.streamsProperties));
        int replyPartitions = topicManager.partitions(repliesTopic);

        port = config.port == 0 ? LocalPorts.free() : config.port;
        HostInfo self = new HostInfo(config.advertisedHost, port);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Prometheus wants one set of label names per metric, and Kafka Streams labels a window
        // store's RocksDB metrics rocksdb-window-state-id but a key-value store's rocksdb-state-id:
        // whichever registered second was dropped. The label names the store either way.
        registry.config().meterFilter(MeterFilter.renameTag("kafka.stream.state", "rocksdb.window.state.id", "rocksdb.state.id"));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        JvmGcMetrics gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        parts.push(gcMetrics);

        progress("3/4", "starting Kafka Streams (state in " + dataDir.resolve("streams") + ")");
        StreamsNode node = new StreamsNode(new StreamsSettings(kafka, config.applicationId(),
                dataDir.resolve("streams"), self.host() + ":" + self.port(), config.commitIntervalMs, config.pollMs,
                config.streamThreads, Duration.ofMillis(config.dedupeWindowMs), config.sessionTimeoutMs, config.streamsProperties,
                config.leaseLimits(), config.lockLimits()), topics);
        CommandBus bus = new CommandBus(kafka, topics, repliesTopic, replyPartitions,
                Duration.ofMillis(config.commandLingerMs), registry);
        parts.push(bus);
        node.onCommittedReplies(bus);
        node.start();
        parts.push(node);
        failed = node.failed();
        awaitStreamsRunning(node, new HangingTransactionRepair(admin, kafka, topics, config.applicationId(), repliesTopic));
        // Bound once the tasks have opened their stores, so their metrics are there from the start
        // rather than after the binder's first refresh a minute later.
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(node.kafkaStreams());
        streamsMetrics.bindTo(registry);
        parts.push(streamsMetrics);

        progress("4/4", "starting the HTTP gateway");
        Vertx vertx = Vertx.vertx();
        parts.push(() -> vertx.close().await(10, TimeUnit.SECONDS));
        Duration timeout = Duration.ofMillis(config.requestTimeoutMs);
        StateReader reader = new StateReader(vertx, node, bus, timeout);
        Owners owners = new Owners(node, self);
        ServerTls tls = config.tlsCertFile == null ? null : new ServerTls(config.tlsCertFile, config.tlsKeyFile, config.tlsClientCaFile);
        ReadForwarder forwarder = new ReadForwarder(vertx, config.requestTimeoutMs, peerClientOptions(config));
        OwnerReads reads = new OwnerReads(reader, owners, forwarder);
        KvHandlers kv = new KvHandlers(vertx, bus, reads, config.limits(), timeout);
        LeaseHandlers leases = new LeaseHandlers(vertx, bus, reads, owners, forwarder, node.liveLeases(), config.limits(),
                config.leaseTtls(), timeout);
        LockHandlers locks = new LockHandlers(vertx, bus, reads, owners, forwarder, reader, node.liveLeases(), config.limits(),
                config.leaseTtls(), config.maxLockWaitMs, timeout);
        StoreHandlers stores = new StoreHandlers(vertx, bus, reader, owners, forwarder, topicManager, topics, node, timeout);
        ChangeFeed feed = new ChangeFeed(kafka, topics, config.watchProgressMs, registry);
        parts.push(feed);
        WatchStarter starter = new WatchStarter(vertx, bus, reader, feed, new HistoryReader(kafka, topics),
                timeout, config.watchQueueLimit);
        OpenStreams streams = new OpenStreams();
        ElectionHandlers elections = new ElectionHandlers(vertx, bus, reader, reads, owners, forwarder, starter, config.limits(),
                config.electionLimits(), timeout, streams);
        AbuseLimits abuseLimits = new AbuseLimits(config.maxConnectionsPerAddress, config.maxRequestsPerSecond);
        HttpGateway gateway = new HttpGateway(vertx, kv, stores, leases,
                new LeaseKeepAliveSocket(vertx, owners, forwarder, node.liveLeases(), timeout, streams, abuseLimits), locks, elections,
                new SseWatchHandler(starter, owners, forwarder, config.maxKeyBytes, streams),
                new WebSocketWatchHandler(starter, owners, config.maxKeyBytes, config.maxWatchesPerConnection,
                        Map.of("observe", elections.observeOverWebSocket()), streams),
                new Readiness(vertx, node, admin), registry, config.limits(), authentication(vertx, config, accessFile), config.metricsPublic,
                abuseLimits, tls);
        try {
            gateway.listen(config.host, port, httpEventLoops(config)).await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + config.host + ":" + port
                    + " (" + e.getMessage() + "); choose another port with --port or DKV_PORT", e);
        }
        parts.push(() -> gateway.close().await(10, TimeUnit.SECONDS));
        if (accessFile != null || tls != null) {
            reloadPeriodically(vertx, config, accessFile, streams, tls, gateway, forwarder);
        }
        String scheme = tls == null ? "http" : "https";
        if (tls != null) {
            LOG.info("HTTPS by {}, HTTP/2 and HTTP/1.1 by ALPN{}", ServerTls.engine(),
                    config.tlsClientCaFile == null ? "" : "; client certificates of " + config.tlsClientCaFile + " accepted");
        }
        long startMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (accessFile != null) {
            LOG.info("DKV listening on {}://{}:{} (Kafka at {}, started in {} ms); bound to {}, every request authenticated"
                    + " and checked against {}", scheme, config.advertisedHost, port, bootstrapServers, startMs, config.host, config.accessFile);
            if (tls == null && !config.loopbackOnly()) {
                LOG.warn("DKV serves {}:{} over plain HTTP: bearer tokens cross the network in clear text; configure"
                        + " --tls-cert-file and --tls-key-file", config.host, port);
            }
        } else if (config.loopbackOnly()) {
            LOG.info("DKV listening on {}://{}:{} (Kafka at {}, started in {} ms); bound to {}: this machine only,"
                    + " as no authentication is configured", scheme, config.advertisedHost, port, bootstrapServers, startMs, config.host);
        } else {
            LOG.info("DKV listening on {}://{}:{} (Kafka at {}, started in {} ms)", scheme, config.advertisedHost, port,
                    bootstrapServers, startMs);
            LOG.warn("DKV serves {}:{} without authentication (--insecure): anyone who reaches it can read and change"
                    + " every store", config.host, port);
        }
    }

    private static Authentication authentication(Vertx vertx, DkvConfig config, AccessFile accessFile) {
        if (accessFile == null) {
            return new Authentication(null, null);
        }
        return new Authentication(accessFile, config.jwtKeyFile == null ? null
                : JwtKeys.verifier(vertx, config.jwtKeyFile, config.jwtAlgorithm, config.jwtIssuer, config.jwtAudience));
    }

    /**
     * How this instance calls the others: over TLS when its own API is HTTPS, trusting --tls-trust-file
     * or the JVM's CAs, and presenting its own certificate when client certificates are on.
     */
    private static HttpClientOptions peerClientOptions(DkvConfig config) {
        HttpClientOptions options = new HttpClientOptions();
        if (config.tlsCertFile != null) {
            options.setSsl(true).setVerifyHost(true);
            if (config.tlsTrustFile != null) {
                options.setTrustOptions(new PemTrustOptions().addCertPath(config.tlsTrustFile.toString()));
            }
            if (config.tlsClientCaFile != null) {
                // The other instances know this one by its certificate when it acts for a caller who
                // authenticated with theirs (DKV-On-Behalf-Of, the peer action).
                options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.tlsCertFile.toString())
                        .setKeyPath(config.tlsKeyFile.toString()));
            }
        }
        return options;
    }

    /**
     * Rereads the access file and the TLS certificate and key every {@code --access-reload-ms} on a
     * worker thread; a file that became invalid is logged and the last good one stays in force. A new
     * access policy also ends the open watches, observations and keep-alive sockets whose grant it took away. A
     * renewed certificate is also what this instance presents to the others.
     */
    private static void reloadPeriodically(Vertx vertx, DkvConfig config, AccessFile accessFile, OpenStreams streams, ServerTls tls,
            HttpGateway gateway, ReadForwarder forwarder) {
        vertx.setPeriodic(config.accessReloadMs, timer -> vertx.executeBlocking(() -> {
            if (accessFile != null && accessFile.reloadIfChanged()) {
                int ended = streams.recheck(accessFile.get());
                if (ended > 0) {
                    LOG.info("{} open watches, observations and keep-alive sockets ended: the reloaded access file no longer grants them", ended);
                }
            }
            return tls == null ? null : tls.reloadIfChanged();
        }, false).onSuccess(ssl -> {
            if (ssl != null) {
                gateway.updateTls(ssl)
                        .compose(v -> config.tlsClientCaFile == null ? Future.succeededFuture()
                                : forwarder.updateTls(peerClientOptions(config).getSslOptions()))
                        .onSuccess(v -> LOG.info("TLS certificate {} reloaded; new connections get it", tls.certFile()))
                        .onFailure(e -> LOG.error("The TLS certificate or key changed but cannot be used ({}); connections keep the one before",
                                e.getMessage()));
            }
        }).onFailure(e -> LOG.error("Cannot reread the TLS files ({}); connections keep the certificate before", e.getMessage())));
    }

    /**
     * Waits for Streams to run, ending on the way any hanging transaction of DKV's own that would
     * keep a task restoring for ever.
     *
     * @throws IllegalStateException if a transaction hangs whose outcome cannot be told (the message
     *     says what to do)
     */
    private static void awaitStreamsRunning(StreamsNode node, HangingTransactionRepair repair) {
        long deadline = System.nanoTime() + STREAMS_START_WAIT.toNanos();
        long nextCheck = System.nanoTime() + HANGING_TRANSACTION_CHECK.toNanos();
        while (!node.isRunning() && System.nanoTime() < deadline) {
            if (node.failed().isDone()) {
                throw new IllegalStateException("Kafka Streams stopped while starting: " + node.failed().join());
            }
            try {
                Thread.sleep(50);
                if (System.nanoTime() >= nextCheck && !node.isRunning()) {
                    repair.repair();
                    nextCheck = System.nanoTime() + HANGING_TRANSACTION_CHECK.toNanos();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | IOException e) {
                LOG.warn("Could not look for hanging transactions ({}); trying again in {}", e.getMessage(), HANGING_TRANSACTION_CHECK);
                nextCheck = System.nanoTime() + HANGING_TRANSACTION_CHECK.toNanos();
            }
        }
        if (!node.isRunning()) {
            LOG.warn("Kafka Streams is {} after {}; serving anyway, /ready says when it is RUNNING",
                    node.state(), STREAMS_START_WAIT);
        }
    }

    /**
     * One per core by default: under a write load the stream thread waits for the next batch's
     * commands for ~40 % of its time, while one event loop answers the last batch and reads the next
     * one request at a time (docs/BENCHMARKS.md, the changes kept, under "Tried on the put path and not kept").
     */
    private static int httpEventLoops(DkvConfig config) {
        return config.httpEventLoops > 0 ? config.httpEventLoops : Runtime.getRuntime().availableProcessors();
    }

    private static void progress(String step, String what) {
        LOG.info("[{}] {}", step, what);
    }

    public int port() {
        return port;
    }

    /**
     * Completes, with what to tell the operator, if Kafka Streams shut itself down because its stream
     * threads kept failing; the process should then stop, since it can no longer serve its stores.
     */
    public CompletableFuture<String> failed() {
        return failed;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        while (!parts.isEmpty()) {
            AutoCloseable part = parts.pop();
            try {
                part.close();
            } catch (Exception e) {
                LOG.warn("Error while stopping {}", part, e);
            }
        }
    }
}
