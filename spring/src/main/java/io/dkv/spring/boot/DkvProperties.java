package io.dkv.spring.boot;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code dkv.*} settings of a Spring Boot application: {@code dkv.servers=host1:7861,host2:7861} and
 * {@code dkv.store=orders} are all it needs.
 */
@ConfigurationProperties("dkv")
public class DkvProperties {
    /** Gateways as host:port or URLs. */
    private List<String> servers = List.of("localhost:7861");
    /** The store the application uses (required to enable the auto-configuration). */
    private String store;
    /** The default deadline of one call. */
    private Duration requestTimeout = Duration.ofSeconds(10);
    /** Create the store at start if it does not exist. */
    private boolean createStore = true;
    /** Bearer token of a DKV with an access file (bin/dkv token makes one). */
    private String bearerToken;
    /** Name of the Spring Boot SSL bundle (spring.ssl.bundle.*) that trusts the gateways' certificates: the gateways are then https. */
    private String sslBundle;
    private final Cache cache = new Cache();
    private final Lock lock = new Lock();

    public static class Cache {
        /** Entry TTL of caches (none: until evicted). */
        private Duration ttl;
        /** Whether null results are cached. */
        private boolean cacheNullValues = true;
        /** Near cache size per cache (0: none). */
        private long nearCacheEntries;

        public Duration getTtl() {
            return ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = ttl;
        }

        public boolean isCacheNullValues() {
            return cacheNullValues;
        }

        public void setCacheNullValues(boolean cacheNullValues) {
            this.cacheNullValues = cacheNullValues;
        }

        public long getNearCacheEntries() {
            return nearCacheEntries;
        }

        public void setNearCacheEntries(long nearCacheEntries) {
            this.nearCacheEntries = nearCacheEntries;
        }
    }

    public static class Lock {
        /** Key prefix of the LockRegistry's locks. */
        private String prefix = "locks/";
        /** How long a hold survives its holder dying. */
        private Duration ttl = Duration.ofSeconds(30);

        public String getPrefix() {
            return prefix;
        }

        public void setPrefix(String prefix) {
            this.prefix = prefix;
        }

        public Duration getTtl() {
            return ttl;
        }

        public void setTtl(Duration ttl) {
            this.ttl = ttl;
        }
    }

    public String getBearerToken() {
        return bearerToken;
    }

    public void setBearerToken(String bearerToken) {
        this.bearerToken = bearerToken;
    }

    public String getSslBundle() {
        return sslBundle;
    }

    public void setSslBundle(String sslBundle) {
        this.sslBundle = sslBundle;
    }

    public List<String> getServers() {
        return servers;
    }

    public void setServers(List<String> servers) {
        this.servers = servers;
    }

    public String getStore() {
        return store;
    }

    public void setStore(String store) {
        this.store = store;
    }

    public Duration getRequestTimeout() {
        return requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    public boolean isCreateStore() {
        return createStore;
    }

    public void setCreateStore(boolean createStore) {
        this.createStore = createStore;
    }

    public Cache getCache() {
        return cache;
    }

    public Lock getLock() {
        return lock;
    }
}
