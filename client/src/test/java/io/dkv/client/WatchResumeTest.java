package io.dkv.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.client.kv.KvStatus;
import io.dkv.client.watch.WatchEvent;
import io.dkv.client.watch.WatchListener;
import io.dkv.client.watch.WatchOptions;
import io.dkv.it.DkvProcess;
import io.dkv.it.TestDkv;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A watch outlives the gateways it rides on: two DKV processes, the one carrying the watch is
 * SIGKILLed and restarted, then the other, while a writer keeps writing through the client. The
 * watcher must deliver exactly the store's history in its scope (as a replay from revision 1 shows
 * it afterwards): every revision once, in order, no gap, no duplicate.
 */
class WatchResumeTest {

    @Test
    void aWatchResumesThroughTheOtherGatewayWithNoGapAndNoDuplicate() throws Exception {
        String prefix = "wr" + UUID.randomUUID().toString().substring(0, 6);
        Path dirA = TestDkv.tempDir();
        Path dirB = TestDkv.tempDir();
        int portA = freePort();
        int portB = freePort();
        DkvProcess a = DkvProcess.start(prefix, dirA.resolve("data"), portA, dirA.resolve("dkv.log"));
        DkvProcess b = DkvProcess.start(prefix, dirB.resolve("data"), portB, dirB.resolve("dkv.log"));
        String store = "resume";
        try (DkvClient watcherClient = DkvClient.connect(store, "localhost:" + portA, "localhost:" + portB);
                DkvClient writer = DkvClient.builder().store(store).servers("localhost:" + portB, "localhost:" + portA)
                        .requestTimeout(Duration.ofSeconds(60)).maxAttempts(100).build()) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(writer::createStore);
            writer.kv().put("r:start", "0");
            List<WatchEvent<String>> seen = new CopyOnWriteArrayList<>();
            AtomicInteger disconnects = new AtomicInteger();
            AtomicInteger resumes = new AtomicInteger();
            watcherClient.watch().watchPrefix("r:", WatchOptions.fromNow(), new WatchListener<>() {
                @Override
                public void onEvent(WatchEvent<String> event) {
                    seen.add(event);
                }

                @Override
                public void onDisconnected() {
                    disconnects.incrementAndGet();
                }

                @Override
                public void onResumed(long revision) {
                    resumes.incrementAndGet();
                }
            });

            AtomicInteger written = new AtomicInteger();
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 240; i++) {
                    while (true) {
                        try {
                            assertThat(writer.kv().put("r:" + (i % 40), "v" + i).status()).isEqualTo(KvStatus.OK);
                            break;
                        } catch (DkvException e) {
                            // The call's own retries ran out while a store moved: write it again.
                        }
                    }
                    written.incrementAndGet();
                }
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> written.get() >= 40);
            a.kill();
            await().atMost(Duration.ofSeconds(120)).until(() -> written.get() >= 100);
            a = DkvProcess.start(prefix, dirA.resolve("data"), portA, dirA.resolve("dkv.log"));
            await().atMost(Duration.ofSeconds(120)).until(() -> written.get() >= 150);
            b.kill();
            writing.get();
            long last = writer.kv().put("r:end", "end").revision();
            await().atMost(Duration.ofSeconds(60)).until(() -> !seen.isEmpty() && seen.get(seen.size() - 1).revision() >= last);

            List<WatchEvent<String>> history = new CopyOnWriteArrayList<>();
            long from = seen.get(0).revision();
            writer.watch().watchPrefix("r:", WatchOptions.fromRevision(from), history::add);
            await().atMost(Duration.ofSeconds(30)).until(() -> !history.isEmpty() && history.get(history.size() - 1).revision() >= last);

            assertThat(disconnects.get()).as("the watch's gateway went away twice").isGreaterThanOrEqualTo(2);
            assertThat(resumes.get()).isEqualTo(disconnects.get());
            assertThat(seen).extracting(WatchEvent::revision).isSorted().doesNotHaveDuplicates();
            assertThat(seen).extracting(e -> e.revision() + " " + e.type() + " " + e.key() + "=" + e.value())
                    .containsExactlyElementsOf(history.stream().map(e -> e.revision() + " " + e.type() + " " + e.key() + "=" + e.value()).toList());
            assertThat(seen.size()).isGreaterThanOrEqualTo(241);
        } finally {
            a.close();
            b.close();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
