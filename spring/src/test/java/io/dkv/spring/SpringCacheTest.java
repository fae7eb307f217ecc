package io.dkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.client.DkvClient;
import io.dkv.it.SharedDkv;
import io.dkv.spring.boot.DkvAutoConfiguration;
import io.dkv.spring.cache.DkvCacheManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code @Cacheable} on DKV through real Spring contexts built by the Boot auto-configuration from two
 * properties. Two contexts on one store play two instances of an application.
 */
class SpringCacheTest {

    /** What a real method behind a cache counts: how often it ran. */
    static class ProductService {
        private final AtomicInteger calls = new AtomicInteger();

        /** Read through a method: the bean is a proxy, whose own fields are not the target's. */
        public int calls() {
            return calls.get();
        }

        @Cacheable("products")
        public String name(String id) {
            calls.incrementAndGet();
            return "product " + id;
        }

        @Cacheable(cacheNames = "slow", sync = true)
        public String slow(String id) throws InterruptedException {
            calls.incrementAndGet();
            Thread.sleep(300);
            return "slow " + id;
        }

        @Cacheable("async")
        public CompletableFuture<String> later(String id) {
            calls.incrementAndGet();
            return CompletableFuture.supplyAsync(() -> "later " + id);
        }

        @Cacheable("nulls")
        public String nothing(String id) {
            calls.incrementAndGet();
            return null;
        }

        @CacheEvict("products")
        public void rename(String id) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableCaching
    static class App {
        @Bean
        ProductService productService() {
            return new ProductService();
        }
    }

    private static ApplicationContextRunner runner(String store) {
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DkvAutoConfiguration.class))
                .withUserConfiguration(App.class)
                .withPropertyValues("dkv.servers=localhost:" + SharedDkv.port(), "dkv.store=" + store);
    }

    @Test
    void cacheableCallsRunOnceAcrossTwoInstancesAndEvictReachesBoth() {
        String store = "sp" + UUID.randomUUID().toString().substring(0, 8);
        runner(store).run(first -> runner(store).run(second -> {
            assertThat(first).hasSingleBean(DkvCacheManager.class).hasSingleBean(DkvClient.class);
            ProductService one = first.getBean(ProductService.class);
            ProductService two = second.getBean(ProductService.class);
            assertThat(one.name("1")).isEqualTo("product 1");
            assertThat(one.name("1")).isEqualTo("product 1");
            assertThat(two.name("1")).isEqualTo("product 1");
            assertThat(one.calls() + two.calls()).isEqualTo(1);
            assertThat(first.getBean(DkvClient.class).kv().get("products::1").isSuccess()).isTrue();

            two.rename("1");
            assertThat(one.name("1")).isEqualTo("product 1");
            assertThat(one.calls() + two.calls()).isEqualTo(2);

            assertThat(one.nothing("x")).isNull();
            assertThat(two.nothing("x")).isNull();
            assertThat(one.calls() + two.calls()).as("a null result is cached by default").isEqualTo(3);
        }));
    }

    @Test
    void aSyncCacheableLoadsOncePerKeyAcrossInstances() {
        String store = "sp" + UUID.randomUUID().toString().substring(0, 8);
        runner(store).run(first -> runner(store).run(second -> {
            List<ProductService> services = List.of(first.getBean(ProductService.class), second.getBean(ProductService.class));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    ProductService service = services.get(i % 2);
                    results.add(pool.submit(() -> service.slow("7")));
                }
                for (Future<String> result : results) {
                    assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo("slow 7");
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(services.get(0).calls() + services.get(1).calls()).isEqualTo(1);
        }));
    }

    @Test
    void anAsyncCacheableIsServedWithoutCallingAgain() {
        String store = "sp" + UUID.randomUUID().toString().substring(0, 8);
        runner(store).run(context -> {
            ProductService service = context.getBean(ProductService.class);
            assertThat(service.later("9").get(10, TimeUnit.SECONDS)).isEqualTo("later 9");
            assertThat(service.later("9").get(10, TimeUnit.SECONDS)).isEqualTo("later 9");
            assertThat(service.calls()).isEqualTo(1);
        });
    }

    @Test
    void propertiesConfigureTheCachesAndAnApplicationsOwnCacheManagerWins() {
        String store = "sp" + UUID.randomUUID().toString().substring(0, 8);
        runner(store).withPropertyValues("dkv.cache.cache-null-values=false", "dkv.cache.ttl=5m").run(context -> {
            ProductService service = context.getBean(ProductService.class);
            assertThat(service.nothing("x")).isNull();
            assertThat(service.nothing("x")).isNull();
            assertThat(service.calls()).isEqualTo(2);
            service.name("1");
            assertThat(context.getBean(DkvClient.class).kv().get("products::1").entry().lease()).isNotZero();
        });
        runner(store).withBean(CacheManager.class, org.springframework.cache.concurrent.ConcurrentMapCacheManager::new)
                .run(context -> assertThat(context).doesNotHaveBean(DkvCacheManager.class).hasSingleBean(DkvClient.class));
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DkvAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean(DkvClient.class));
    }

}
