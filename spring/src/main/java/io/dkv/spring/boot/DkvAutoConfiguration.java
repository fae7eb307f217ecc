package io.dkv.spring.boot;

import io.dkv.client.DkvClient;
import io.dkv.spring.cache.DkvCacheConfiguration;
import io.dkv.spring.cache.DkvCacheManager;
import io.dkv.spring.lock.DkvLockRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.cache.CacheManager;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * With {@code dkv.store} set: a {@link DkvClient}, a {@link DkvCacheManager} when the application uses
 * Spring's caching ({@code @EnableCaching}) and has no other cache manager, and a
 * {@link DkvLockRegistry} when Spring Integration is present. Each backs off when the application
 * defines its own.
 */
@AutoConfiguration(beforeName = {"org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration",
        "org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration"})
@ConditionalOnProperty(prefix = "dkv", name = "store")
@EnableConfigurationProperties(DkvProperties.class)
public class DkvAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public DkvClient dkvClient(DkvProperties properties, ObjectProvider<SslBundles> sslBundles) {
        DkvClient.Builder builder = DkvClient.builder().store(properties.getStore()).servers(properties.getServers().toArray(String[]::new))
                .requestTimeout(properties.getRequestTimeout());
        if (properties.getBearerToken() != null) {
            builder.bearerToken(properties.getBearerToken());
        }
        if (properties.getSslBundle() != null) {
            SslBundles bundles = sslBundles.getIfAvailable();
            if (bundles == null) {
                throw new IllegalStateException("dkv.ssl-bundle=" + properties.getSslBundle()
                        + " names an SSL bundle, but the application has none; define it under spring.ssl.bundle");
            }
            builder.sslContext(bundles.getBundle(properties.getSslBundle()).createSslContext());
        }
        DkvClient client = builder.build();
        if (properties.isCreateStore()) {
            client.createStore();
        }
        return client;
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(CacheManager.class)
    @ConditionalOnBean(CacheAspectSupport.class)
    @ConditionalOnMissingBean(CacheManager.class)
    static class Caching {
        @Bean
        DkvCacheManager cacheManager(DkvClient client, DkvProperties properties) {
            DkvProperties.Cache cache = properties.getCache();
            DkvCacheConfiguration defaults = DkvCacheConfiguration.defaultCacheConfig().entryTtl(cache.getTtl())
                    .withNearCache(cache.getNearCacheEntries());
            if (!cache.isCacheNullValues()) {
                defaults = defaults.disableCachingNullValues();
            }
            return DkvCacheManager.builder(client).cacheDefaults(defaults).transactionAware().build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(LockRegistry.class)
    @ConditionalOnMissingBean(LockRegistry.class)
    static class Locking {
        @Bean
        DkvLockRegistry dkvLockRegistry(DkvClient client, DkvProperties properties) {
            return new DkvLockRegistry(client, properties.getLock().getPrefix(), properties.getLock().getTtl());
        }
    }
}
