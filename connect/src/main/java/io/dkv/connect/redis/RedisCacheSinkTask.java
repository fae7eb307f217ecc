package io.dkv.connect.redis;

import io.dkv.connect.PluginVersion;
import io.dkv.connect.redis.internals.CacheChange;
import io.dkv.connect.redis.internals.RedisCacheWriter;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Applies a batch of changes to Redis (see {@link RedisCacheSinkConnector}).
 *
 * <p><b>Order.</b> Records of one key are in log order within a partition, and a store's change
 * topic has one partition. Within a batch only a key's last change decides its final state, so the
 * task applies that one: a put followed by a delete leaves the entry deleted, a delete followed by a
 * put leaves it present, whatever else the batch holds.
 *
 * <p><b>Failures.</b> Redis unreachable: the batch is retried after {@code retry.backoff.ms} until
 * Redis answers ({@link RetriableException}); offsets do not move meanwhile. A record that is not a
 * DKV change, or that Redis refuses for its content, goes to the errant record reporter (the
 * connector's {@code errors.tolerance} and dead-letter queue decide what that means) and the rest of
 * the batch is applied. Records whose value the converter could not read never reach the task: the
 * worker's error handling takes them.
 */
public class RedisCacheSinkTask extends SinkTask {
    private static final Logger log = LoggerFactory.getLogger(RedisCacheSinkTask.class);

    private RedisCacheSinkConfig config;
    private RedisCacheWriter writer;
    private boolean outage;

    @Override
    public String version() {
        return PluginVersion.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new RedisCacheSinkConfig(props);
        writer = new RedisCacheWriter(config);
        log.info("DKV cache sink task started: mode={}, Redis {}, key template {}",
                config.getString(RedisCacheSinkConfig.MODE), config.redisUri(),
                config.getString(RedisCacheSinkConfig.KEY_TEMPLATE));
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        Map<ByteBuffer, CacheChange> latest = new LinkedHashMap<>();
        for (SinkRecord record : records) {
            try {
                CacheChange change = CacheChange.of(record, config.keyTemplate());
                // Re-inserting moves nothing in a LinkedHashMap; the order across keys does not matter.
                latest.put(ByteBuffer.wrap(change.redisKey()), change);
            } catch (DataException e) {
                reportOrFail(record, e);
            }
        }
        Map<CacheChange, JedisDataException> refused;
        try {
            refused = writer.apply(latest.values());
        } catch (JedisConnectionException e) {
            if (!outage) {
                log.warn("Redis at {} is unreachable ({}); retrying every {} ms, nothing is skipped",
                        config.redisUri(), e.getMessage(), config.retryBackoffMs());
                outage = true;
            }
            context.timeout(config.retryBackoffMs());
            throw new RetriableException("Redis at " + config.redisUri() + " is unreachable: " + e.getMessage(), e);
        } catch (JedisDataException e) {
            throw new ConnectException("Redis at " + config.redisUri() + " refused the connection: " + e.getMessage()
                    + "; check " + RedisCacheSinkConfig.REDIS_URI + " and " + RedisCacheSinkConfig.REDIS_PASSWORD, e);
        }
        if (outage) {
            log.info("Redis at {} answers again; applied the changes held back", config.redisUri());
            outage = false;
        }
        refused.forEach((change, error) -> reportOrFail(change.record(),
                new DataException("Redis refused the change of this record: " + error.getMessage(), error)));
    }

    private void reportOrFail(SinkRecord record, Exception error) {
        ErrantRecordReporter reporter = context.errantRecordReporter();
        if (reporter == null) {
            throw new ConnectException(error.getMessage()
                    + " (this worker has no errant record reporter; set errors.tolerance=all and"
                    + " errors.deadletterqueue.topic.name to set such records aside)", error);
        }
        reporter.report(record, error);
    }

    @Override
    public void stop() {
        if (writer != null) {
            writer.close();
        }
    }
}
