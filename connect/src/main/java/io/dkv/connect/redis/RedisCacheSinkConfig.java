package io.dkv.connect.redis;

import io.dkv.connect.redis.internals.KeyTemplate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The options of {@link RedisCacheSinkConnector}, besides Connect's own ({@code topics},
 * {@code tasks.max}, {@code errors.*}). {@link #CONFIG_DEF} documents each; {@link #crossFieldErrors}
 * holds the rules that involve more than one option.
 */
public final class RedisCacheSinkConfig extends AbstractConfig {
    public static final String REDIS_URI = "redis.uri";
    public static final String REDIS_PASSWORD = "redis.password";
    public static final String REDIS_TIMEOUT_MS = "redis.timeout.ms";
    public static final String MODE = "mode";
    public static final String MODE_INVALIDATE = "invalidate";
    public static final String MODE_REFRESH = "refresh";
    public static final String KEY_TEMPLATE = "key.template";
    public static final String REFRESH_TTL_MS = "refresh.ttl.ms";
    public static final String REVISION_KEY_SUFFIX = "revision.key.suffix";
    public static final String TOMBSTONE_RETENTION_MS = "tombstone.retention.ms";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";

    private static final String GROUP_REDIS = "Redis";
    private static final String GROUP_MAPPING = "Mapping";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(REDIS_URI, Type.STRING, "redis://localhost:6379", new NonBlank(), Importance.HIGH,
                    "The Redis server: redis://[user:password@]host:port[/database], or rediss:// for TLS.",
                    GROUP_REDIS, 1, ConfigDef.Width.LONG, "Redis URI")
            .define(REDIS_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM,
                    "The Redis password, if it is not in " + REDIS_URI + "; hidden in Connect's REST API.",
                    GROUP_REDIS, 2, ConfigDef.Width.MEDIUM, "Redis password")
            .define(REDIS_TIMEOUT_MS, Type.INT, 2000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Connect and socket timeout for Redis, in milliseconds. A call that times out counts as an"
                            + " outage: the batch is retried after " + RETRY_BACKOFF_MS + ".",
                    GROUP_REDIS, 3, ConfigDef.Width.SHORT, "Redis timeout (ms)")
            .define(RETRY_BACKOFF_MS, Type.LONG, 1000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    "How long to wait before Connect redelivers a batch that failed because Redis was"
                            + " unreachable. Retries go on until Redis answers; nothing is skipped.",
                    GROUP_REDIS, 4, ConfigDef.Width.SHORT, "Retry backoff (ms)")
            .define(MODE, Type.STRING, MODE_INVALIDATE, ConfigDef.ValidString.in(MODE_INVALIDATE, MODE_REFRESH),
                    Importance.HIGH,
                    "'invalidate': every change deletes the cached entry, so the next read misses and"
                            + " loads from DKV. 'refresh': a put writes the new value and a delete deletes it; a"
                            + " change older than the entry's revision is ignored, so replays never bring back"
                            + " an old value.",
                    GROUP_MAPPING, 1, ConfigDef.Width.SHORT, "Mode")
            .define(KEY_TEMPLATE, Type.STRING, "${store}:${key}", new TemplateValidator(), Importance.HIGH,
                    "The Redis key of a DKV key. ${key} is the DKV key's bytes, ${store} the store (from the"
                            + " record's dkv.store header, or from the topic name), ${topic} the topic.",
                    GROUP_MAPPING, 2, ConfigDef.Width.MEDIUM, "Key template")
            .define(REFRESH_TTL_MS, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "In refresh mode, the time to live of a written value in milliseconds; 0 keeps it until"
                            + " it changes.",
                    GROUP_MAPPING, 3, ConfigDef.Width.SHORT, "Refresh TTL (ms)")
            .define(REVISION_KEY_SUFFIX, Type.STRING, ":dkv-rev", Importance.LOW,
                    "In refresh mode, the revision of each entry is kept under its key with this suffix,"
                            + " so that an older change never overwrites a newer value.",
                    GROUP_MAPPING, 4, ConfigDef.Width.SHORT, "Revision key suffix")
            .define(TOMBSTONE_RETENTION_MS, Type.LONG, 86_400_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "In refresh mode, how long the revision of a deleted entry is kept, so that a replayed"
                            + " older put cannot bring it back. Keep it at least the change topic's"
                            + " delete.retention.ms (one day by default), the time a replay can still see the"
                            + " older puts of a deleted key.",
                    GROUP_MAPPING, 5, ConfigDef.Width.SHORT, "Tombstone retention (ms)");

    private final KeyTemplate keyTemplate;

    /** @throws ConfigException if an option is invalid, alone or with another */
    public RedisCacheSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
        Map<String, String> errors = crossFieldErrors(props);
        if (!errors.isEmpty()) {
            Map.Entry<String, String> first = errors.entrySet().iterator().next();
            throw new ConfigException(first.getKey(), props.get(first.getKey()), first.getValue());
        }
        keyTemplate = KeyTemplate.parse(getString(KEY_TEMPLATE));
    }

    /**
     * The errors of rules that involve more than one option, by the option to report them on.
     * Options that fail on their own are left to their validators.
     */
    public static Map<String, String> crossFieldErrors(Map<String, String> props) {
        Map<String, String> errors = new LinkedHashMap<>();
        String mode = props.getOrDefault(MODE, MODE_INVALIDATE);
        if (!MODE_REFRESH.equals(mode)) {
            if (positive(props.get(REFRESH_TTL_MS))) {
                errors.put(REFRESH_TTL_MS, REFRESH_TTL_MS + " applies only to mode=" + MODE_REFRESH
                        + ": invalidate mode writes no values; remove it or set mode=" + MODE_REFRESH);
            }
        } else if (props.containsKey(REVISION_KEY_SUFFIX) && props.get(REVISION_KEY_SUFFIX).isEmpty()) {
            errors.put(REVISION_KEY_SUFFIX, "mode=" + MODE_REFRESH + " keeps each entry's revision beside it, under"
                    + " a key with this suffix; an empty suffix would overwrite the value with its revision");
        }
        return errors;
    }

    private static boolean positive(String value) {
        try {
            return value != null && Long.parseLong(value.trim()) > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public boolean refresh() {
        return MODE_REFRESH.equals(getString(MODE));
    }

    public KeyTemplate keyTemplate() {
        return keyTemplate;
    }

    public String redisUri() {
        return getString(REDIS_URI);
    }

    public String redisPassword() {
        Password password = getPassword(REDIS_PASSWORD);
        return password == null ? null : password.value();
    }

    public int redisTimeoutMs() {
        return getInt(REDIS_TIMEOUT_MS);
    }

    public long refreshTtlMs() {
        return getLong(REFRESH_TTL_MS);
    }

    public String revisionKeySuffix() {
        return getString(REVISION_KEY_SUFFIX);
    }

    public long tombstoneRetentionMs() {
        return getLong(TOMBSTONE_RETENTION_MS);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS);
    }

    private static final class NonBlank implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || value.toString().isBlank()) {
                throw new ConfigException(name, value, "must not be empty");
            }
        }

        @Override
        public String toString() {
            return "non-empty string";
        }
    }

    private static final class TemplateValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                KeyTemplate.parse((String) value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "text with ${key} and optionally ${store} and ${topic}";
        }
    }
}
