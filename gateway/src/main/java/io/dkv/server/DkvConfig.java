package io.dkv.server;

import io.dkv.gateway.Limits;
import io.dkv.gateway.election.ElectionHandlers;
import io.dkv.gateway.lease.LeaseHandlers;
import io.dkv.kafka.DkvTopics;
import io.dkv.streams.lease.LeaseLimits;
import io.dkv.streams.lock.LockLimits;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Everything a DKV process can be told. Each option comes, in order of precedence, from its flag,
 * from the environment variable {@code DKV_<NAME>} (for {@code --max-key-bytes},
 * {@code DKV_MAX_KEY_BYTES}), from the {@code --config} properties file (key {@code max-key-bytes}),
 * or from the default shown in {@code bin/dkv --help}. Fields are public so tests can build one.
 */
public final class DkvConfig {
    @Option(names = "--config", description = "Properties file with defaults for any option (keys without the leading --).")
    public Path configFile;

    @Option(names = "--port", description = "HTTP port (default: ${DEFAULT-VALUE}); 0 picks a free one.", defaultValue = "7861")
    public int port;

    @Option(names = "--host", description = "Address the HTTP server binds (default: ${DEFAULT-VALUE}, this machine only);"
            + " an address other machines can reach needs --access-file, or --insecure to serve it without authentication.",
            defaultValue = "127.0.0.1")
    public String host;

    @Option(names = "--insecure", description = "Serve --host although other machines can reach it and no --access-file"
            + " is configured: anyone who reaches the port can read and change every store. Logged as a warning.")
    public boolean insecure;

    @Option(names = "--access-file", description = "JSON file of principals (bearer token hashes, roles) and role grants;"
            + " with it every /v1 request needs credentials. Reread when it changes (see docs/SECURITY.md).")
    public Path accessFile;

    @Option(names = "--access-reload-ms", description = "How often the access file, the TLS certificate and key are checked"
            + " for changes (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
    public long accessReloadMs;

    @Option(names = "--jwt-key-file", description = "PEM public key (or certificate) that signs JWT bearer tokens; their sub"
            + " claim names a principal of the access file. Needs --access-file.")
    public Path jwtKeyFile;

    @Option(names = "--jwt-algorithm", description = "Signature algorithm of the JWTs: RS256, RS384, RS512, ES256, ES384,"
            + " ES512, PS256 (default: ${DEFAULT-VALUE}).", defaultValue = "RS256")
    public String jwtAlgorithm;

    @Option(names = "--jwt-issuer", description = "The iss claim a JWT must have; without it any issuer is accepted.")
    public String jwtIssuer;

    @Option(names = "--jwt-audience", description = "The aud claim a JWT must have; without it any audience is accepted.")
    public String jwtAudience;

    @Option(names = "--metrics-public", description = "Serve /metrics without credentials although --access-file is set"
            + " (a Prometheus that scrapes without a token).")
    public boolean metricsPublic;

    @Option(names = "--tls-cert-file", description = "PEM certificate chain of the HTTP server; with --tls-key-file the API"
            + " is HTTPS only (HTTP/1.1 and HTTP/2 by ALPN). Reread when it changes.")
    public Path tlsCertFile;

    @Option(names = "--tls-key-file", description = "PEM private key (PKCS#8 or PKCS#1) of --tls-cert-file.")
    public Path tlsKeyFile;

    @Option(names = "--tls-client-ca-file", description = "PEM CA certificates that sign client certificates: a client may"
            + " then authenticate with one (mTLS), its subject (RFC 2253) being the principal.")
    public Path tlsClientCaFile;

    @Option(names = "--tls-trust-file", description = "PEM CA certificates this instance trusts when it calls other DKV"
            + " instances over TLS (forwarded reads, relayed watches); default: the JVM's trusted CAs.")
    public Path tlsTrustFile;

    @Option(names = "--max-connections-per-address", description = "Most open HTTP connections from one client address;"
            + " the next is answered 429 TOO_MANY_CONNECTIONS and closed; 0 for no limit (default: ${DEFAULT-VALUE}).",
            defaultValue = "1024")
    public int maxConnectionsPerAddress;

    @Option(names = "--max-requests-per-second", description = "Most requests per second of one principal (of one client"
            + " address without --access-file), over which 429 TOO_MANY_REQUESTS; 0 for no limit (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    public int maxRequestsPerSecond;

    @Option(names = "--advertised-host", description = "Host other DKV instances use to reach this one (default: ${DEFAULT-VALUE}).",
            defaultValue = "localhost")
    public String advertisedHost;

    @Option(names = "--data-dir", description = "Where the embedded broker's log and the Streams state live (default: ${DEFAULT-VALUE}).",
            defaultValue = "data")
    public Path dataDir;

    @Option(names = "--bootstrap-servers", description = "An existing Kafka cluster to use; without it DKV starts an embedded single-node broker.")
    public String bootstrapServers;

    @Option(names = "--kafka-property", split = ",", paramLabel = "KEY=VALUE",
            description = "A property of every Kafka client DKV makes (Streams and its clients, the gateway's producers and"
                    + " consumers, the admin clients), for an existing cluster's security: security.protocol, sasl.*, ssl.*"
                    + " (repeatable or comma-separated; docs/SECURITY.md lists the ACLs DKV needs).")
    public Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--kafka-port", description = "Port of the embedded broker (default: ${DEFAULT-VALUE}); 0 picks a free one.",
            defaultValue = "19092")
    public int kafkaPort;

    @Option(names = "--topic-prefix", description = "Prefix of every DKV topic (default: ${DEFAULT-VALUE}).", defaultValue = "dkv")
    public String topicPrefix;

    @Option(names = "--application-id", description = "Kafka Streams application id; instances with the same id share the work (default: the topic prefix).")
    public String applicationId;

    @Option(names = "--command-partitions", description = "Partitions of the commands topic when DKV creates it (default: ${DEFAULT-VALUE}).",
            defaultValue = "6")
    public int commandPartitions;

    @Option(names = "--replication-factor", description = "Replication factor of new topics; -1 takes the broker default (default: ${DEFAULT-VALUE}).",
            defaultValue = "-1")
    public short replicationFactor;

    @Option(names = "--change-min-compaction-lag-ms", description = "How long each change stays in a change topic before compaction may drop it (default: ${DEFAULT-VALUE}).",
            defaultValue = "3600000")
    public long changeMinCompactionLagMs;

    @Option(names = "--commit-interval-ms", description = "When no complete batch commits it sooner, an exactly-once transaction commits once no write has joined it for this long, and at the latest four times this after its first write; writes are acknowledged after their commit (default: ${DEFAULT-VALUE}).",
            defaultValue = "5")
    public long commitIntervalMs;

    @Option(names = "--command-linger-ms", description = "How long the gateway may hold a write to send it to Kafka with others of its batch; the write that completes a batch goes at once, with what is held (default: ${DEFAULT-VALUE}).",
            defaultValue = "5")
    public long commandLingerMs;

    @Option(names = "--poll-ms", description = "How long the stream thread waits for commands per poll (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    public long pollMs;

    @Option(names = "--http-event-loops", description = "HTTP servers sharing the port, each on its own event loop; 0 (the default) means one per core.",
            defaultValue = "0")
    public int httpEventLoops;

    @Option(names = "--stream-threads", description = "Kafka Streams threads (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    public int streamThreads;

    @Option(names = "--streams-property", split = ",", paramLabel = "KEY=VALUE",
            description = "A Kafka Streams property applied over DKV's own (repeatable or comma-separated); prefix producer. or consumer. for its clients.")
    public Map<String, String> streamsProperties = new LinkedHashMap<>();

    @Option(names = "--broker-property", split = ",", paramLabel = "KEY=VALUE",
            description = "A property of the embedded broker applied over DKV's own (repeatable or comma-separated).")
    public Map<String, String> brokerProperties = new LinkedHashMap<>();

    @Option(names = "--session-timeout-ms", description = "How long a silent (crashed) instance keeps its stores before another takes them over (default: ${DEFAULT-VALUE}).",
            defaultValue = "10000")
    public long sessionTimeoutMs;

    @Option(names = "--dedupe-window-ms", description = "How long a DKV-Request-Id is remembered, so a retry is applied at most once (default: ${DEFAULT-VALUE}).",
            defaultValue = "600000")
    public long dedupeWindowMs;

    @Option(names = "--request-timeout-ms", description = "How long a request waits for its outcome (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
    public long requestTimeoutMs;

    @Option(names = "--watch-progress-ms", description = "How often idle watches get a progress event with the current revision (default: ${DEFAULT-VALUE}).",
            defaultValue = "5000")
    public long watchProgressMs;

    @Option(names = "--watch-queue-limit", description = "Events a watch may have waiting before it is cancelled as a slow consumer (default: ${DEFAULT-VALUE}).",
            defaultValue = "10000")
    public int watchQueueLimit;

    @Option(names = "--max-watches-per-connection", description = "Most watches one WebSocket connection may hold (default: ${DEFAULT-VALUE}).",
            defaultValue = "10000")
    public int maxWatchesPerConnection;

    @Option(names = "--max-key-bytes", description = "Longest key (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    public int maxKeyBytes;

    @Option(names = "--max-value-bytes", description = "Largest value (default: ${DEFAULT-VALUE}).", defaultValue = "1048576")
    public int maxValueBytes;

    @Option(names = "--max-txn-ops", description = "Most compare clauses plus operations per transaction (default: ${DEFAULT-VALUE}).",
            defaultValue = "128")
    public int maxTxnOps;

    @Option(names = "--max-request-bytes", description = "Largest request body (default: ${DEFAULT-VALUE}).", defaultValue = "1572864")
    public int maxRequestBytes;

    @Option(names = "--default-page-size", description = "Keys per list page when no limit is given, at most --max-page-size (default: ${DEFAULT-VALUE}).",
            defaultValue = "100")
    public int defaultPageSize;

    @Option(names = "--max-page-size", description = "Most keys one list page may ask for (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
    public int maxPageSize;

    @Option(names = "--max-request-line-bytes", description = "Longest HTTP request line, path and query included; "
            + "at least 5 x --max-key-bytes + 256 so that a list of the longest prefix with a cursor fits (default: ${DEFAULT-VALUE}).",
            defaultValue = "8192")
    public int maxRequestLineBytes;

    @Option(names = "--max-header-bytes", description = "Largest HTTP header block (default: ${DEFAULT-VALUE}).", defaultValue = "8192")
    public int maxHeaderBytes;

    @Option(names = "--lease-min-ttl-ms", description = "Shortest lease TTL a grant may ask for: longer than a task takeover"
            + " plus a client's refresh round trip (default: ${DEFAULT-VALUE}).", defaultValue = "2000")
    public long leaseMinTtlMs;

    @Option(names = "--lease-max-ttl-ms", description = "Longest lease TTL a grant may ask for (default: ${DEFAULT-VALUE}, a day).",
            defaultValue = "86400000")
    public long leaseMaxTtlMs;

    @Option(names = "--max-leases-per-store", description = "Most live leases one store may have (default: ${DEFAULT-VALUE}).",
            defaultValue = "100000")
    public int maxLeasesPerStore;

    @Option(names = "--max-keys-per-lease", description = "Most keys one lease may hold; its expiry deletes them all at one revision"
            + " (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
    public int maxKeysPerLease;

    @Option(names = "--lease-expiry-check-ms", description = "How often a store's task looks for expired leases while it has any"
            + " (default: ${DEFAULT-VALUE}).", defaultValue = "100")
    public long leaseExpiryCheckMs;

    @Option(names = "--max-candidates-per-election", description = "Most candidates one election may have (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    public int maxCandidatesPerElection;

    @Option(names = "--max-campaign-wait-ms", description = "Longest waitMs a campaign may hold its request for leadership"
            + " (default: ${DEFAULT-VALUE}).", defaultValue = "300000")
    public long maxCampaignWaitMs;

    @Option(names = "--max-lock-wait-ms", description = "Longest waitMs a lock acquire may wait in the key's queue"
            + " (default: ${DEFAULT-VALUE}).", defaultValue = "300000")
    public long maxLockWaitMs;

    @Option(names = "--max-waiters-per-lock", description = "Most callers that may wait for one key's lock (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    public int maxWaitersPerLock;

    /**
     * What is wrong with this configuration: one sentence per option out of its range, naming the
     * flag, its environment variable and what it accepts. Empty when DKV can start with it.
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        between(problems, "--port", port, 0, 65535);
        between(problems, "--kafka-port", kafkaPort, 0, 65535);
        atLeast(problems, "--command-partitions", commandPartitions, 1);
        if (replicationFactor == 0 || replicationFactor < -1) {
            problems.add(problem("--replication-factor", replicationFactor, "-1 (the broker default) or at least 1"));
        }
        atLeast(problems, "--change-min-compaction-lag-ms", changeMinCompactionLagMs, 0);
        atLeast(problems, "--commit-interval-ms", commitIntervalMs, 0);
        atLeast(problems, "--command-linger-ms", commandLingerMs, 0);
        atLeast(problems, "--poll-ms", pollMs, 0);
        atLeast(problems, "--http-event-loops", httpEventLoops, 0);
        atLeast(problems, "--stream-threads", streamThreads, 1);
        atLeast(problems, "--session-timeout-ms", sessionTimeoutMs, 1);
        atLeast(problems, "--dedupe-window-ms", dedupeWindowMs, 1);
        atLeast(problems, "--request-timeout-ms", requestTimeoutMs, 1);
        atLeast(problems, "--watch-progress-ms", watchProgressMs, 1);
        atLeast(problems, "--watch-queue-limit", watchQueueLimit, 1);
        atLeast(problems, "--max-watches-per-connection", maxWatchesPerConnection, 1);
        atLeast(problems, "--max-key-bytes", maxKeyBytes, 1);
        atLeast(problems, "--max-value-bytes", maxValueBytes, 0);
        atLeast(problems, "--max-txn-ops", maxTxnOps, 1);
        atLeast(problems, "--max-request-bytes", maxRequestBytes, 1);
        atLeast(problems, "--max-page-size", maxPageSize, 1);
        atLeast(problems, "--default-page-size", defaultPageSize, 1);
        atLeast(problems, "--max-request-line-bytes", maxRequestLineBytes, 5L * maxKeyBytes + 256);
        atLeast(problems, "--max-header-bytes", maxHeaderBytes, 1024);
        atLeast(problems, "--lease-min-ttl-ms", leaseMinTtlMs, 1);
        atLeast(problems, "--lease-max-ttl-ms", leaseMaxTtlMs, leaseMinTtlMs);
        atLeast(problems, "--max-leases-per-store", maxLeasesPerStore, 1);
        atLeast(problems, "--max-keys-per-lease", maxKeysPerLease, 1);
        atLeast(problems, "--lease-expiry-check-ms", leaseExpiryCheckMs, 1);
        atLeast(problems, "--max-candidates-per-election", maxCandidatesPerElection, 1);
        atLeast(problems, "--max-campaign-wait-ms", maxCampaignWaitMs, 0);
        atLeast(problems, "--max-lock-wait-ms", maxLockWaitMs, 0);
        atLeast(problems, "--max-waiters-per-lock", maxWaitersPerLock, 1);
        atLeast(problems, "--access-reload-ms", accessReloadMs, 10);
        atLeast(problems, "--max-connections-per-address", maxConnectionsPerAddress, 0);
        atLeast(problems, "--max-requests-per-second", maxRequestsPerSecond, 0);
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            problems.add("--tls-cert-file (DKV_TLS_CERT_FILE) and --tls-key-file (DKV_TLS_KEY_FILE) go together: give both for HTTPS, or neither");
        }
        if (tlsClientCaFile != null && tlsCertFile == null) {
            problems.add("--tls-client-ca-file (DKV_TLS_CLIENT_CA_FILE) needs --tls-cert-file and --tls-key-file: client certificates are sent over TLS only");
        }
        if (jwtKeyFile != null && accessFile == null) {
            problems.add("--jwt-key-file (DKV_JWT_KEY_FILE) needs --access-file (DKV_ACCESS_FILE), whose roles the JWT's subject gets");
        }
        if (!insecure && accessFile == null && !loopbackOnly()) {
            problems.add("--host (DKV_HOST) is " + host + ", which other machines can reach, and no authentication is"
                    + " configured: bind a loopback address such as 127.0.0.1, configure --access-file (DKV_ACCESS_FILE),"
                    + " or pass --insecure (DKV_INSECURE=true) to serve every store to anyone who reaches the port");
        }
        return problems;
    }

    /** Whether {@link #host} is a loopback address, reachable from this machine only. */
    public boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static void atLeast(List<String> problems, String flag, long value, long min) {
        if (value < min) {
            problems.add(problem(flag, value, "at least " + min));
        }
    }

    private static void between(List<String> problems, String flag, long value, long min, long max) {
        if (value < min || value > max) {
            problems.add(problem(flag, value, "from " + min + " to " + max));
        }
    }

    private static String problem(String flag, long value, String accepted) {
        String variable = "DKV_" + flag.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
        return flag + " (" + variable + ") is " + value + " but must be " + accepted;
    }

    /** The request limits; the default page size is capped at the largest page. */
    public Limits limits() {
        return new Limits(maxKeyBytes, maxValueBytes, maxTxnOps, maxRequestBytes, Math.min(defaultPageSize, maxPageSize), maxPageSize,
                maxRequestLineBytes, maxHeaderBytes);
    }

    public LeaseLimits leaseLimits() {
        return new LeaseLimits(maxLeasesPerStore, maxKeysPerLease, leaseExpiryCheckMs);
    }

    public LockLimits lockLimits() {
        return new LockLimits(maxWaitersPerLock);
    }

    public ElectionHandlers.ElectionLimits electionLimits() {
        return new ElectionHandlers.ElectionLimits(maxCandidatesPerElection, maxCampaignWaitMs);
    }

    public LeaseHandlers.LeaseTtls leaseTtls() {
        return new LeaseHandlers.LeaseTtls(leaseMinTtlMs, leaseMaxTtlMs);
    }

    public DkvTopics.TopicSettings topicSettings() {
        DkvTopics.TopicSettings defaults = DkvTopics.TopicSettings.defaults();
        return new DkvTopics.TopicSettings(commandPartitions, replicationFactor,
                defaults.commandRetentionMs(), changeMinCompactionLagMs,
                Math.max(defaults.maxMessageBytes(), maxRequestBytes + 64 * 1024));
    }

    public String applicationId() {
        return applicationId == null ? topicPrefix : applicationId;
    }

    /** A configuration with every default, as if no flag, variable or file were given. */
    public static DkvConfig defaults() {
        DkvConfig config = new DkvConfig();
        new picocli.CommandLine(new DkvMain(config)).parseArgs();
        return config;
    }
}
