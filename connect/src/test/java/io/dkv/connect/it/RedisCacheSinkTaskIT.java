package io.dkv.connect.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.connect.converter.ChangeEventConverter;
import io.dkv.connect.redis.RedisCacheSinkTask;
import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.ChangeType;
import io.dkv.schemas.DkvCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The sink task on one batch at a time, against a real redis-server: what a batch leaves in Redis
 * when it holds several changes of a key, and when it replays changes older than Redis has.
 * (The worker decides how records are batched; calling {@code put} directly fixes the batch.)
 */
class RedisCacheSinkTaskIT {
    private static final String TOPIC = "dkv.store.batch.changes";
    private static RedisServer redis;
    private final ChangeEventConverter converter = new ChangeEventConverter();
    private RedisCacheSinkTask task;
    private long offset;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void stopTask() {
        task.stop();
        try (Jedis jedis = redis.jedis()) {
            jedis.flushAll();
        }
    }

    private void startTask(String mode) {
        converter.configure(Map.of(), false);
        task = new RedisCacheSinkTask();
        task.start(Map.of("mode", mode, "redis.uri", redis.uri()));
    }

    @Test
    void aPutThenADeleteOfOneKeyInOneBatchLeaveItDeleted() {
        startTask("refresh");
        task.put(List.of(put("k", "v", 5), delete("k", 6)));
        try (Jedis jedis = redis.jedis()) {
            assertThat(jedis.exists("batch:k")).isFalse();
            assertThat(jedis.get("batch:k:dkv-rev")).isEqualTo("6");
        }
    }

    @Test
    void aDeleteThenAPutOfOneKeyInOneBatchLeaveItPresent() {
        startTask("refresh");
        task.put(List.of(put("k", "old", 4), delete("k", 5), put("k", "new", 6), put("other", "x", 6)));
        try (Jedis jedis = redis.jedis()) {
            assertThat(jedis.get("batch:k")).isEqualTo("new");
            assertThat(jedis.get("batch:other")).isEqualTo("x");
        }
    }

    @Test
    void anOlderChangeNeverOverwritesANewerOne() {
        startTask("refresh");
        task.put(List.of(put("live", "v9", 9), delete("gone", 9)));
        task.put(List.of(put("live", "v3", 3), delete("live", 4), put("gone", "v8", 8)));
        try (Jedis jedis = redis.jedis()) {
            assertThat(jedis.get("batch:live")).isEqualTo("v9");
            assertThat(jedis.exists("batch:gone")).as("a replayed put does not bring back a deleted key").isFalse();
        }
    }

    @Test
    void invalidateModeDeletesEveryChangedKeyWhateverTheOrder() {
        startTask("invalidate");
        try (Jedis jedis = redis.jedis()) {
            jedis.set("batch:a", "cached");
            jedis.set("batch:b", "cached");
            jedis.set("batch:c", "cached");
            task.put(List.of(put("a", "1", 1), delete("a", 2), delete("b", 3), put("b", "2", 4)));
            assertThat(jedis.exists("batch:a")).isFalse();
            assertThat(jedis.exists("batch:b")).isFalse();
            assertThat(jedis.get("batch:c")).isEqualTo("cached");
        }
    }

    private SinkRecord put(String key, String value, long revision) {
        RecordHeaders headers = headers("PUT", revision);
        byte[] bytes = DkvCodec.CHANGE_EVENT.encode(ChangeEvent.newBuilder().setType(ChangeType.PUT)
                .setValue(ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8))).setRevision(revision)
                .setCreateRevision(revision).setVersion(1).build());
        return record(key, converter.toConnectData(TOPIC, headers, bytes), headers);
    }

    private SinkRecord delete(String key, long revision) {
        RecordHeaders headers = headers("DELETE", revision);
        return record(key, converter.toConnectData(TOPIC, headers, null), headers);
    }

    private static RecordHeaders headers(String type, long revision) {
        RecordHeaders headers = new RecordHeaders();
        ChangeHeaders.put(headers, ChangeHeaders.TYPE, type);
        ChangeHeaders.put(headers, ChangeHeaders.REVISION, revision);
        ChangeHeaders.put(headers, ChangeHeaders.STORE, "batch");
        return headers;
    }

    private SinkRecord record(String key, SchemaAndValue value, RecordHeaders headers) {
        SinkRecord record = new SinkRecord(TOPIC, 0, null, key.getBytes(StandardCharsets.UTF_8), value.schema(), value.value(), offset++);
        headers.forEach(h -> record.headers().addBytes(h.key(), h.value()));
        return record;
    }
}
