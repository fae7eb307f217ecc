package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.kafka.LocalPorts;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Two DKV processes; the one that owns a store is SIGKILLed while a client keeps refreshing its
 * leases through the other, by HTTP and over a keep-alive socket (whose frames the survivor forwards
 * to the owner until it owns the store itself). The survivor takes the stores over and gives every
 * lease a full TTL from then: a lease that is refreshed through the move never expires, and a lease
 * nobody refreshes still does, after the takeover.
 */
class LeaseFailoverTest {
    private static final long TTL_MS = 4_000;
    private static final long REFRESH_EVERY_MS = 500;

    @Test
    void aRefreshedLeaseSurvivesTheOwnersSigkillAndAnAbandonedOneStillExpires() throws Exception {
        Path dir = TestDkv.tempDir();
        String prefix = "lf" + UUID.randomUUID().toString().substring(0, 6);
        String[] options = {"--lease-min-ttl-ms", "500", "--session-timeout-ms", "6000"};
        DkvProcess first = DkvProcess.start(prefix, dir.resolve("a"), LocalPorts.free(), dir.resolve("a.log"), options);
        DkvProcess second = DkvProcess.start(prefix, dir.resolve("b"), LocalPorts.free(), dir.resolve("b.log"), options);
        Vertx vertx = Vertx.vertx();
        try {
            DkvHttp viaFirst = new DkvHttp(first.port());
            List<String> stores = IntStream.range(0, 8).mapToObj(i -> "f" + i).toList();
            await().atMost(Duration.ofSeconds(60)).until(() -> new DkvHttp(second.port()).get("/ready").status() == 200);
            for (String store : stores) {
                await().atMost(Duration.ofSeconds(30)).until(() -> viaFirst.put("/v1/stores/" + store, "").status() < 300);
            }
            Map<String, String> live = new LinkedHashMap<>();
            Map<String, String> overSocket = new LinkedHashMap<>();
            Map<String, String> abandoned = new LinkedHashMap<>();
            for (String store : stores) {
                live.put(store, grantWithKey(viaFirst, store, "nodes:live"));
                overSocket.put(store, grantWithKey(viaFirst, store, "nodes:socket"));
                abandoned.put(store, grantWithKey(viaFirst, store, "nodes:abandoned"));
            }
            DkvProcess victim = owns(viaFirst, "f0", first) ? first : second;
            DkvProcess survivor = victim == first ? second : first;
            DkvHttp viaSurvivor = new DkvHttp(survivor.port());

            Queue<String> lost = new ConcurrentLinkedQueue<>();
            Map<String, WebSocket> sockets = new LinkedHashMap<>();
            Set<String> refreshedOverSocket = ConcurrentHashMap.newKeySet();
            for (String store : stores) {
                WebSocket ws = vertx.createWebSocketClient().connect(survivor.port(), "localhost", "/v1/stores/" + store + "/leases/keepalive")
                        .await(10, TimeUnit.SECONDS);
                ws.textMessageHandler(text -> {
                    JsonObject answer = new JsonObject(text);
                    if ("refreshed".equals(answer.getString("type"))) {
                        refreshedOverSocket.add(store);
                    }
                    if ("LEASE_NOT_FOUND".equals(answer.getString("code"))) {
                        lost.add(store + " over the socket: " + answer);
                    }
                });
                sockets.put(store, ws);
            }
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService refresher = Executors.newSingleThreadExecutor();
            refresher.submit(() -> {
                while (!stop.get()) {
                    // An UNAVAILABLE answer (the owner is dead and not yet replaced) is retried by the next frame.
                    overSocket.forEach((store, lease) -> sockets.get(store).writeTextMessage(new JsonObject().put("id", lease).encode()));
                    live.forEach((store, lease) -> {
                        try {
                            DkvHttp.Response refreshed = viaSurvivor.post("/v1/stores/" + store + "/leases/" + lease + "/refresh", "");
                            if (refreshed.status() == 404) {
                                lost.add(store + ": " + refreshed);
                            }
                        } catch (UncheckedIOException e) {
                            // The survivor forwarded to the dead owner and gave up: the client retries.
                        }
                    });
                    Thread.sleep(REFRESH_EVERY_MS);
                }
                return null;
            });

            // Before the kill, the frames for the victim's stores are forwarded to it and answered from there.
            await().atMost(Duration.ofSeconds(20)).until(() -> refreshedOverSocket.containsAll(stores));
            victim.kill();
            await().atMost(Duration.ofSeconds(60)).until(() -> stores.stream().allMatch(store -> owns(viaSurvivor, store, survivor)));
            long tookOver = System.nanoTime();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> stores.forEach(store ->
                    assertThat(viaSurvivor.get("/v1/stores/" + store + "/kv/nodes:abandoned").status())
                            .as("the abandoned lease of %s expired after the takeover", store).isEqualTo(404)));
            await().during(Duration.ofMillis(3 * TTL_MS)).atMost(Duration.ofMillis(3 * TTL_MS + 5_000))
                    .pollInterval(Duration.ofMillis(250)).until(() -> stores.stream().allMatch(store ->
                            viaSurvivor.get("/v1/stores/" + store + "/kv/nodes:live").status() == 200
                                    && viaSurvivor.get("/v1/stores/" + store + "/kv/nodes:socket").status() == 200));
            stop.set(true);
            refresher.shutdown();
            assertThat(refresher.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            for (WebSocket ws : sockets.values()) {
                ws.close().await(10, TimeUnit.SECONDS);
            }

            assertThat(lost).as("refreshes through the move that found no lease").isEmpty();
            for (String store : stores) {
                DkvHttp.Response key = viaSurvivor.get("/v1/stores/" + store + "/kv/nodes:live");
                assertThat(key.status()).as("the refreshed lease of %s kept its key: %s", store, key).isEqualTo(200);
                assertThat(viaSurvivor.get("/v1/stores/" + store + "/kv/nodes:socket").status())
                        .as("the lease of %s refreshed over the socket kept its key", store).isEqualTo(200);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - tookOver)).isGreaterThan(Duration.ofMillis(3 * TTL_MS));
            abandoned.forEach((store, lease) -> assertThat(viaSurvivor.post("/v1/stores/" + store + "/leases/" + lease + "/refresh", "").code())
                    .isEqualTo("LEASE_NOT_FOUND"));
        } finally {
            first.close();
            second.close();
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static boolean owns(DkvHttp http, String store, DkvProcess dkv) {
        DkvHttp.Response described = http.get("/v1/stores/" + store);
        return described.status() == 200 && described.json().getString("owner").endsWith(":" + dkv.port());
    }

    private static String grantWithKey(DkvHttp http, String store, String key) {
        DkvHttp.Response granted = http.post("/v1/stores/" + store + "/leases", "{\"ttlMs\":" + TTL_MS + "}");
        assertThat(granted.status()).as(granted.toString()).isEqualTo(201);
        String lease = granted.json().getString("id");
        assertThat(http.put("/v1/stores/" + store + "/kv/" + key, "up", "DKV-Lease", lease).status()).isEqualTo(201);
        return lease;
    }
}
