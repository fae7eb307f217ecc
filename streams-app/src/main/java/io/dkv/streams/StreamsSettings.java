package io.dkv.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import io.dkv.kafka.KafkaCluster;
import io.dkv.streams.lease.LeaseLimits;
import io.dkv.streams.lock.LockLimits;

/**
 * How a DKV Streams instance runs.
 *
 * @param kafka the Kafka cluster and the properties every client of Streams gets (its own settings win)
 * @param applicationId the Streams application id: instances with the same id share the stores
 * @param stateDir where RocksDB state lives; one directory per instance
 * @param applicationServer host:port of this instance's gateway, for routing interactive queries
 * @param commitIntervalMs when no batch mark commits a transaction sooner, it commits once no command has joined
 *     it for this long, and at the latest four times this after its first command; replies wait for the commit
 * @param pollMs how long the stream thread blocks waiting for commands (the hidden latency floor)
 * @param streamThreads stream threads in this instance
 * @param dedupeWindow how long a request id is remembered for retries
 * @param sessionTimeoutMs how long a silent instance keeps its stores before they move to another
 * @param overrides further Streams properties, applied last
 * @param leaseLimits the bounds on leases the tasks enforce
 * @param lockLimits the bounds on locks the tasks enforce
 */
public record StreamsSettings(KafkaCluster kafka, String applicationId, Path stateDir, String applicationServer,
        long commitIntervalMs, long pollMs, int streamThreads, Duration dedupeWindow, long sessionTimeoutMs, Map<String, String> overrides,
        LeaseLimits leaseLimits, LockLimits lockLimits) {
}
