package io.dkv.spring.cache;

import io.dkv.client.DkvClient;
import io.dkv.client.cache.CacheOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.cache.Cache;
import org.springframework.cache.transaction.AbstractTransactionSupportingCacheManager;

/**
 * A Spring {@link org.springframework.cache.CacheManager} whose caches live in a DKV store, modelled on
 * Spring Data Redis's {@code RedisCacheManager}:
 * {@code DkvCacheManager.builder(client).cacheDefaults(config).withCacheConfiguration("products", other).transactionAware().build()}.
 * Caches not configured are created on first use with the defaults, unless disabled. Thread-safe.
 */
public final class DkvCacheManager extends AbstractTransactionSupportingCacheManager {
    private final DkvClient client;
    private final DkvCacheConfiguration defaults;
    private final Map<String, DkvCacheConfiguration> initial;
    private final boolean allowRuntimeCacheCreation;

    private DkvCacheManager(Builder builder) {
        this.client = builder.client;
        this.defaults = builder.defaults;
        this.initial = Map.copyOf(builder.initial);
        this.allowRuntimeCacheCreation = builder.allowRuntimeCacheCreation;
        setTransactionAware(builder.transactionAware);
    }

    public static Builder builder(DkvClient client) {
        return new Builder(client);
    }

    @Override
    protected Collection<? extends Cache> loadCaches() {
        List<Cache> caches = new ArrayList<>();
        initial.forEach((name, configuration) -> caches.add(create(name, configuration)));
        return caches;
    }

    @Override
    protected Cache getMissingCache(String name) {
        return allowRuntimeCacheCreation ? create(name, defaults) : null;
    }

    private DkvSpringCache create(String name, DkvCacheConfiguration configuration) {
        CacheOptions options = CacheOptions.defaults().withDefaultTtl(configuration.ttl()).withNearCache(configuration.nearCacheEntries());
        return new DkvSpringCache(name, client.cache(configuration.keyPrefix().apply(name), configuration.valueCodec(), options), configuration);
    }

    /** Not thread-safe; build once. */
    public static final class Builder {
        private final DkvClient client;
        private DkvCacheConfiguration defaults = DkvCacheConfiguration.defaultCacheConfig();
        private final Map<String, DkvCacheConfiguration> initial = new LinkedHashMap<>();
        private boolean transactionAware;
        private boolean allowRuntimeCacheCreation = true;

        private Builder(DkvClient client) {
            this.client = client;
        }

        /** The configuration of caches that are not configured by name. */
        public Builder cacheDefaults(DkvCacheConfiguration configuration) {
            this.defaults = configuration;
            return this;
        }

        public Builder withCacheConfiguration(String name, DkvCacheConfiguration configuration) {
            initial.put(name, configuration);
            return this;
        }

        /** Caches created up front with the defaults. */
        public Builder initialCacheNames(Collection<String> names) {
            names.forEach(n -> initial.putIfAbsent(n, defaults));
            return this;
        }

        /** Puts and evicts inside a Spring-managed transaction happen after it commits, as with RedisCacheManager. */
        public Builder transactionAware() {
            this.transactionAware = true;
            return this;
        }

        /** Only the caches named here exist; others are null, as Spring's contract allows. */
        public Builder disableCreateOnMissingCache() {
            this.allowRuntimeCacheCreation = false;
            return this;
        }

        public DkvCacheManager build() {
            return new DkvCacheManager(this);
        }
    }
}
