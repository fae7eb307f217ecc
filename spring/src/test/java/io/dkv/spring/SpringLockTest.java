package io.dkv.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dkv.client.DkvClient;
import io.dkv.client.kv.KvResult;
import io.dkv.client.kv.Put;
import io.dkv.it.SharedDkv;
import io.dkv.spring.lock.DkvLock;
import io.dkv.spring.lock.DkvLockRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.integration.leader.Context;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;

/** Spring Integration's lock abstractions on DKV locks, across two clients playing two application instances. */
class SpringLockTest {

    private static DkvClient client(String store) {
        DkvClient client = DkvClient.connect(store, "localhost:" + SharedDkv.port());
        client.createStore();
        return client;
    }

    @Test
    void locksFromTwoRegistriesExcludeEachOtherAndFenceWithIncreasingTokens() throws Exception {
        String store = "sl" + UUID.randomUUID().toString().substring(0, 8);
        try (DkvClient a = client(store); DkvClient b = client(store)) {
            List<DkvLockRegistry> registries = List.of(new DkvLockRegistry(a, "locks/", Duration.ofSeconds(10)),
                    new DkvLockRegistry(b, "locks/", Duration.ofSeconds(10)));
            a.kv().put("counter", "0");
            List<Long> tokens = new CopyOnWriteArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> workers = new ArrayList<>();
                for (int w = 0; w < 6; w++) {
                    DkvLockRegistry registry = registries.get(w % 2);
                    DkvClient client = w % 2 == 0 ? a : b;
                    workers.add(pool.submit(() -> {
                        for (int i = 0; i < 5; i++) {
                            registry.executeLocked("counter", () -> {
                                DkvLock lock = registry.obtain("counter");
                                tokens.add(lock.fencingToken());
                                // Read-modify-write without a condition: only mutual exclusion keeps every increment.
                                KvResult<String> read = client.kv().get("counter");
                                client.kv().put("counter", Integer.toString(Integer.parseInt(read.value()) + 1));
                            });
                        }
                        return null;
                    }));
                }
                for (Future<?> worker : workers) {
                    worker.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(a.kv().get("counter").value()).isEqualTo("30");
            assertThat(tokens).hasSize(30).doesNotHaveDuplicates();

            DkvLock lock = registries.get(0).obtain("job");
            assertThat(lock.tryLock()).isTrue();
            assertThat(lock.tryLock()).as("reentrant").isTrue();
            assertThat(registries.get(1).obtain("job").tryLock(200, TimeUnit.MILLISECONDS)).isFalse();
            lock.unlock();
            assertThat(registries.get(1).obtain("job").tryLock()).isFalse();
            assertThat(a.kv().put("locks/job", "x", Put.withLock(lock.handle())).isSuccess()).isTrue();
            lock.unlock();
            assertThat(registries.get(1).obtain("job").tryLock()).isTrue();
            assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
            registries.get(1).obtain("job").unlock();
        }
    }

    /** Leadership through LockRegistryLeaderInitiator: one leader; when its instance dies, the other leads. */
    @Test
    void theLeaderInitiatorHandsLeadershipOverWhenTheLeaderDies() {
        String store = "sl" + UUID.randomUUID().toString().substring(0, 8);
        DkvClient a = client(store);
        DkvClient b = client(store);
        List<String> events = new CopyOnWriteArrayList<>();
        List<LockRegistryLeaderInitiator> initiators = new ArrayList<>();
        for (String node : List.of("a", "b")) {
            DkvLockRegistry registry = new DkvLockRegistry(node.equals("a") ? a : b, "leaders/", Duration.ofSeconds(2));
            LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(registry, new DefaultCandidate(node, "scheduler") {
                @Override
                public void onGranted(Context context) {
                    events.add("granted " + node);
                }

                @Override
                public void onRevoked(Context context) {
                    events.add("revoked " + node);
                }
            });
            initiator.setHeartBeatMillis(200);
            initiator.setBusyWaitMillis(100);
            initiators.add(initiator);
        }
        try {
            initiators.get(0).start();
            await().atMost(Duration.ofSeconds(20)).until(() -> events.contains("granted a"));
            initiators.get(1).start();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> events.equals(List.of("granted a")));
            // Instance a dies: its client stops refreshing, and its lock's lease runs out.
            a.close();
            await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("granted b"));
            assertThat(events.indexOf("granted b")).isGreaterThan(events.indexOf("granted a"));
        } finally {
            initiators.forEach(LockRegistryLeaderInitiator::stop);
            b.close();
        }
    }
}
