package io.dkv.spring.cache;

import io.dkv.client.Codec;
import java.time.Duration;
import java.util.function.Function;
import org.springframework.core.serializer.support.DeserializingConverter;
import org.springframework.core.serializer.support.SerializingConverter;

/**
 * How one Spring cache on DKV behaves, in the style of Spring Data Redis's {@code RedisCacheConfiguration}:
 * {@code DkvCacheConfiguration.defaultCacheConfig().entryTtl(Duration.ofMinutes(10)).disableCachingNullValues()}.
 * Immutable.
 *
 * @param ttl how long an entry lives (null: until evicted)
 * @param cacheNullValues whether a null result is cached (as Spring's {@code NullValue})
 * @param keyPrefix the store key prefix of a cache, from its name; the default is {@code "<name>::"}
 * @param valueCodec how values are stored; the default is Java serialization, as Spring Data Redis's
 * @param nearCacheEntries the size of the client-side near cache, 0 for none
 */
public record DkvCacheConfiguration(Duration ttl, boolean cacheNullValues, Function<String, String> keyPrefix,
        Codec<Object> valueCodec, long nearCacheEntries) {

    /** No TTL, null values cached, prefix {@code <name>::}, Java serialization, no near cache. */
    public static DkvCacheConfiguration defaultCacheConfig() {
        SerializingConverter serialize = new SerializingConverter();
        DeserializingConverter deserialize = new DeserializingConverter(DkvCacheConfiguration.class.getClassLoader());
        return new DkvCacheConfiguration(null, true, name -> name + "::", Codec.of(serialize::convert, deserialize::convert), 0);
    }

    public DkvCacheConfiguration entryTtl(Duration ttl) {
        return new DkvCacheConfiguration(ttl, cacheNullValues, keyPrefix, valueCodec, nearCacheEntries);
    }

    public DkvCacheConfiguration disableCachingNullValues() {
        return new DkvCacheConfiguration(ttl, false, keyPrefix, valueCodec, nearCacheEntries);
    }

    public DkvCacheConfiguration computePrefixWith(Function<String, String> keyPrefix) {
        return new DkvCacheConfiguration(ttl, cacheNullValues, keyPrefix, valueCodec, nearCacheEntries);
    }

    public DkvCacheConfiguration serializeValuesWith(Codec<Object> codec) {
        return new DkvCacheConfiguration(ttl, cacheNullValues, keyPrefix, codec, nearCacheEntries);
    }

    /** Serve repeated reads from memory, kept fresh by a watch (see {@code DkvCache}). */
    public DkvCacheConfiguration withNearCache(long maxEntries) {
        return new DkvCacheConfiguration(ttl, cacheNullValues, keyPrefix, valueCodec, maxEntries);
    }
}
