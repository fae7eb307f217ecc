package io.dkv.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.client.cache.CacheOptions;
import io.dkv.client.cache.DkvCache;
import io.dkv.it.SharedDkv;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The distributed cache: cache-aside with one load per key across clients, TTLs, and the near cache. */
class CacheClientTest {
    private DkvClient one;
    private DkvClient two;

    @BeforeEach
    void connect() {
        one = TestStores.newStoreClient();
        two = DkvClient.connect(one.store(), "localhost:" + SharedDkv.port());
    }

    @AfterEach
    void close() {
        one.close();
        two.close();
    }

    @Test
    void twoClientsLoadAKeyOnceBetweenThem() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        DkvCache<String> a = one.cache("products/", Codecs.string(), CacheOptions.defaults());
        DkvCache<String> b = two.cache("products/", Codecs.string(), CacheOptions.defaults());
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                DkvCache<String> cache = i % 2 == 0 ? a : b;
                results.add(pool.submit(() -> cache.getOrLoad("p:1", () -> {
                    calls.incrementAndGet();
                    Thread.sleep(300);
                    return "Laptop";
                }, Duration.ofMinutes(5))));
            }
            for (Future<String> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo("Laptop");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(calls.get()).isEqualTo(1);
        assertThat(a.stats().loads() + b.stats().loads()).isEqualTo(1);
        assertThat(one.kv().get("products/p:1").value()).isEqualTo("Laptop");
        assertThat(one.kv().get("products/p:1").entry().lease()).as("a TTL entry is on a lease").isNotZero();
        assertThat(a.getOrLoad("p:2", () -> null, null)).isNull();
        assertThat(a.get("p:2")).isEmpty();
    }

    @Test
    void anEntryExpiresWithinItsTtlEverywhere() {
        DkvCache<String> a = one.cache("ttl/", Codecs.string(), CacheOptions.defaults().withDefaultTtl(Duration.ofSeconds(2)));
        DkvCache<String> b = two.cache("ttl/", Codecs.string(), CacheOptions.defaults().withNearCache(100));
        long putAt = System.nanoTime();
        a.put("session", "s1", null);
        assertThat(b.get("session")).contains("s1");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.get("session").isEmpty() && b.get("session").isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - putAt)).isGreaterThanOrEqualTo(Duration.ofMillis(1800));
        b.close();
    }

    @Test
    void theNearCacheServesRepeatedReadsAndDropsWhatAnotherClientChanges() {
        DkvCache<String> a = one.cache("near/", Codecs.string(), CacheOptions.defaults().withNearCache(1000));
        DkvCache<String> b = two.cache("near/", Codecs.string(), CacheOptions.defaults().withNearCache(1000));
        a.put("p:1", "v1", null);
        assertThat(b.get("p:1")).contains("v1");
        assertThat(b.get("p:1")).contains("v1");
        assertThat(b.stats().nearHits()).isEqualTo(1);
        for (int i = 2; i <= 20; i++) {
            String value = "v" + i;
            a.put("p:1", value, null);
            long ackedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1)).until(() -> b.get("p:1").equals(Optional.of(value)));
            assertThat(Duration.ofNanos(System.nanoTime() - ackedAt)).isLessThan(Duration.ofSeconds(2));
        }
        a.evict("p:1");
        await().atMost(Duration.ofSeconds(2)).until(() -> b.get("p:1").isEmpty());
        assertThat(b.stats().nearInvalidations()).isPositive();
        a.close();
        b.close();
    }

    @Test
    void aWriteDuringALoadWinsOverTheLoadedValue() throws Exception {
        DkvCache<String> a = one.cache("race/", Codecs.string(), CacheOptions.defaults().withNearCache(100));
        DkvCache<String> b = two.cache("race/", Codecs.string(), CacheOptions.defaults());
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch written = new CountDownLatch(1);
        CompletableFuture<String> loaded = a.getOrLoadAsync("k", () -> {
            loading.countDown();
            written.await(10, TimeUnit.SECONDS);
            return "stale-from-source";
        }, null);
        assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
        b.put("k", "fresh", null);
        written.countDown();
        assertThat(loaded.get(10, TimeUnit.SECONDS)).isEqualTo("fresh");
        assertThat(a.get("k")).contains("fresh");
        assertThat(one.kv().get("race/k").value()).isEqualTo("fresh");
        a.close();
    }

    @Test
    void clearRemovesEveryEntryOfTheCacheOnly() {
        DkvCache<String> a = one.cache("c1/", Codecs.string(), CacheOptions.defaults());
        a.put("x", "1", null);
        a.put("y", "2", null);
        one.kv().put("c2/x", "other cache");
        a.clear();
        assertThat(a.get("x")).isEmpty();
        assertThat(a.get("y")).isEmpty();
        assertThat(one.kv().get("c2/x").value()).isEqualTo("other cache");
    }
}
