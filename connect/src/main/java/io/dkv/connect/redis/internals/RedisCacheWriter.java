package io.dkv.connect.redis.internals;

import io.dkv.connect.redis.RedisCacheSinkConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Applies changes to Redis in one pipeline per batch, over one connection that it reopens after an
 * outage. In refresh mode every change is a Lua script that compares the change's revision with the
 * one kept beside the entry ({@code <key><revision.key.suffix>}) and applies only a newer change, in
 * one atomic step; in invalidate mode a change is a {@code DEL}. Not thread-safe: one per task.
 */
public final class RedisCacheWriter implements AutoCloseable {
    /** KEYS: value key, revision key. ARGV: value, revision, value TTL (0: none), revision TTL (0: none). */
    private static final String PUT_IF_NEWER = """
            local current = redis.call('GET', KEYS[2])
            if current and tonumber(current) >= tonumber(ARGV[2]) then return 0 end
            if ARGV[3] ~= '0' then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
            else
              redis.call('SET', KEYS[1], ARGV[1])
            end
            if ARGV[4] ~= '0' then
              redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
            else
              redis.call('SET', KEYS[2], ARGV[2])
            end
            return 1
            """;
    /** KEYS: value key, revision key. ARGV: revision, how long to keep the revision. */
    private static final String DELETE_IF_NEWER = """
            local current = redis.call('GET', KEYS[2])
            if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
            redis.call('DEL', KEYS[1])
            redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
            return 1
            """;

    private final RedisCacheSinkConfig config;
    private final byte[] revisionSuffix;
    private final byte[] valueTtl;
    private final byte[] liveRevisionTtl;
    private final byte[] deletedRevisionTtl;
    private Jedis jedis;
    private byte[] putSha;
    private byte[] deleteSha;

    public RedisCacheWriter(RedisCacheSinkConfig config) {
        this.config = config;
        this.revisionSuffix = config.revisionKeySuffix().getBytes(StandardCharsets.UTF_8);
        long ttl = config.refreshTtlMs();
        this.valueTtl = ascii(ttl);
        // The revision outlives an expiring value, so a replay of older puts cannot bring one back.
        this.liveRevisionTtl = ascii(ttl == 0 ? 0 : Math.max(ttl, config.tombstoneRetentionMs()));
        this.deletedRevisionTtl = ascii(config.tombstoneRetentionMs());
    }

    /**
     * Applies each change (callers pass at most one per Redis key: the latest) and returns those
     * that Redis refused for their content, with Redis's error.
     *
     * @throws JedisConnectionException if Redis cannot be reached; nothing can be assumed applied
     */
    public Map<CacheChange, JedisDataException> apply(Collection<CacheChange> changes) {
        Map<CacheChange, JedisDataException> refused = run(changes);
        List<CacheChange> unknownScript = new ArrayList<>();
        refused.forEach((change, error) -> {
            if (error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT")) {
                unknownScript.add(change);
            }
        });
        if (!unknownScript.isEmpty()) {
            // Someone flushed Redis's script cache since this connection loaded the scripts.
            loadScripts();
            unknownScript.forEach(refused::remove);
            refused.putAll(run(unknownScript));
        }
        return refused;
    }

    private Map<CacheChange, JedisDataException> run(Collection<CacheChange> changes) {
        Jedis connection = connection();
        List<CacheChange> sent = new ArrayList<>(changes);
        List<Object> results;
        try {
            Pipeline pipeline = connection.pipelined();
            for (CacheChange change : sent) {
                if (!config.refresh()) {
                    pipeline.del(change.redisKey());
                } else if (change.delete()) {
                    pipeline.evalsha(deleteSha, List.of(change.redisKey(), revisionKey(change)),
                            List.of(ascii(change.revision()), deletedRevisionTtl));
                } else {
                    pipeline.evalsha(putSha, List.of(change.redisKey(), revisionKey(change)),
                            List.of(change.value(), ascii(change.revision()), valueTtl, liveRevisionTtl));
                }
            }
            results = pipeline.syncAndReturnAll();
        } catch (JedisConnectionException e) {
            close();
            throw e;
        }
        Map<CacheChange, JedisDataException> refused = new LinkedHashMap<>();
        for (int i = 0; i < sent.size(); i++) {
            if (results.get(i) instanceof JedisDataException error) {
                refused.put(sent.get(i), error);
            }
        }
        return refused;
    }

    private Jedis connection() {
        if (jedis == null) {
            DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(config.redisTimeoutMs())
                    .socketTimeoutMillis(config.redisTimeoutMs())
                    .clientName("dkv-cache-sink");
            if (config.redisPassword() != null) {
                client.password(config.redisPassword());
            }
            Jedis opened = new Jedis(URI.create(config.redisUri()), client.build());
            try {
                opened.ping();
                jedis = opened;
                if (config.refresh()) {
                    loadScripts();
                }
            } catch (RuntimeException e) {
                opened.close();
                jedis = null;
                throw e;
            }
        }
        return jedis;
    }

    private void loadScripts() {
        putSha = jedis.scriptLoad(PUT_IF_NEWER.getBytes(StandardCharsets.UTF_8));
        deleteSha = jedis.scriptLoad(DELETE_IF_NEWER.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] revisionKey(CacheChange change) {
        byte[] key = change.redisKey();
        byte[] revisionKey = new byte[key.length + revisionSuffix.length];
        System.arraycopy(key, 0, revisionKey, 0, key.length);
        System.arraycopy(revisionSuffix, 0, revisionKey, key.length, revisionSuffix.length);
        return revisionKey;
    }

    private static byte[] ascii(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException ignored) {
                // The connection is being dropped because it failed; closing it may fail too.
            }
            jedis = null;
        }
    }
}
