package io.dkv.examples;

import io.dkv.client.Codecs;
import io.dkv.client.DkvClient;
import io.dkv.client.cache.CacheOptions;
import io.dkv.client.cache.DkvCache;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 2: a product service doing cache-aside with a near cache. Reads go to the near cache, then
 * to DKV, and only then to the (slow) database, once per product across every instance. A rename
 * writes the database and the cache; the other instances' near caches drop the old name as soon as
 * their watch sees the write.
 *
 * <p>Run it twice: {@code java -cp 'examples/target/examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' io.dkv.examples.ProductService}
 * and type {@code get 1} or {@code rename 1 Laptop Pro} in either.
 */
public final class ProductService implements AutoCloseable {
    private final Map<String, String> database;
    private final DkvCache<String> cache;
    private final AtomicInteger databaseReads = new AtomicInteger();

    public ProductService(DkvClient client, Map<String, String> database) {
        this.database = database;
        this.cache = client.cache("products/", Codecs.string(), CacheOptions.defaults().withNearCache(10_000));
    }

    public String name(String id) {
        return cache.getOrLoad(id, () -> {
            databaseReads.incrementAndGet();
            Thread.sleep(50);
            return database.getOrDefault(id, "product " + id);
        }, Duration.ofMinutes(10));
    }

    public void rename(String id, String name) {
        database.put(id, name);
        cache.put(id, name, Duration.ofMinutes(10));
    }

    public int databaseReads() {
        return databaseReads.get();
    }

    public DkvCache<String> cache() {
        return cache;
    }

    @Override
    public void close() {
        cache.close();
    }

    public static void main(String[] args) throws Exception {
        try (DkvClient client = Examples.connect(); ProductService service = new ProductService(client, new ConcurrentHashMap<>())) {
            System.out.println("commands: get <id> | rename <id> <name> | stats");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] words = line.trim().split(" ", 3);
                switch (words[0]) {
                    case "get" -> System.out.println(service.name(words[1]));
                    case "rename" -> service.rename(words[1], words[2]);
                    case "stats" -> System.out.println(service.cache.stats() + ", database reads " + service.databaseReads());
                    default -> System.out.println("commands: get <id> | rename <id> <name> | stats");
                }
            }
        }
    }
}
