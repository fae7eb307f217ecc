package io.dkv.it;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.schemas.ChangeEvent;
import io.dkv.schemas.ChangeEventDeserializer;
import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.ChangeType;
import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The watch checker: writers put, delete and run transactions on random keys under a few prefixes
 * while watchers join at random moments (with a snapshot, without, from history, and one that
 * disconnects and resumes with Last-Event-ID). For every watcher, its snapshot must equal the
 * store's state at the snapshot revision, every batch must equal that revision's changes in its
 * scope, revisions must strictly increase, and no revision with changes in scope may be missing.
 * The store's truth is its change topic, read back in full.
 */
class WatchCheckerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final List<String> PREFIXES = List.of("a:", "b:", "c");

    @Test
    void everyWatcherSeesExactlyTheStoreHistoryInItsScope() throws Exception {
        DkvConfig config = TestDkv.config();
        config.watchProgressMs = 200;
        try (DkvServer server = TestDkv.start(config)) {
            DkvHttp http = new DkvHttp(server.port());
            http.put("/v1/stores/chk", "");
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                Random random = new Random(w);
                writers.add(pool.submit(() -> write(http, random, 120)));
            }
            Random timing = new Random(42);
            List<Watcher> watchers = new ArrayList<>();
            watchers.add(Watcher.start(server.port(), "prefix=a:&snapshot=true", k -> k.startsWith("a:"), timing));
            watchers.add(Watcher.start(server.port(), "prefix=a:", k -> k.startsWith("a:"), timing));
            watchers.add(Watcher.start(server.port(), "key=b:3&snapshot=true", k -> k.equals("b:3"), timing));
            watchers.add(Watcher.start(server.port(), "prefix=b:&fromRevision=1", k -> k.startsWith("b:"), timing));
            Watcher resuming = Watcher.start(server.port(), "prefix=&snapshot=true", k -> true, timing);
            watchers.add(resuming);
            resuming.disconnectAfterEventsThenResume(15);
            for (Future<?> writer : writers) {
                writer.get(120, TimeUnit.SECONDS);
            }
            long finalRevision = http.get("/v1/stores/chk").json().getLong("revision");
            List<List<Change>> truth = readChangeTopic(config.topicPrefix + ".store.chk.changes", finalRevision);

            for (Watcher watcher : watchers) {
                watcher.readUntil(finalRevision);
                watcher.verify(truth, finalRevision);
            }
            pool.shutdownNow();
        }
    }

    /**
     * The same checks across a restart of the DKV process the watchers were connected to (its
     * gateway and its Streams instance): they resume with Last-Event-ID through the other process,
     * whose Streams instance takes the stores over, while writers keep writing through it.
     */
    @Test
    void watchersResumeWithoutGapOrDuplicateAcrossARestartOfTheirProcess() throws Exception {
        String prefix = "rck" + UUID.randomUUID().toString().substring(0, 6);
        DkvConfig configA = TestDkv.config(prefix, TestDkv.tempDir());
        DkvConfig configB = TestDkv.config(prefix, TestDkv.tempDir());
        configA.watchProgressMs = 200;
        configB.watchProgressMs = 200;
        try (DkvServer b = TestDkv.start(configB)) {
            DkvServer a = TestDkv.start(configA);
            DkvHttp viaB = new DkvHttp(b.port());
            await().atMost(WAIT).until(() -> viaB.put("/v1/stores/chk", "").status() < 300);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                Random random = new Random(100 + w);
                writers.add(pool.submit(() -> write(viaB, random, 250)));
            }
            Random timing = new Random(7);
            List<Watcher> watchers = new ArrayList<>();
            watchers.add(Watcher.start(a.port(), "prefix=a:&snapshot=true", k -> k.startsWith("a:"), timing));
            watchers.add(Watcher.start(a.port(), "prefix=b:", k -> k.startsWith("b:"), timing));
            watchers.add(Watcher.start(a.port(), "key=c1&snapshot=true", k -> k.equals("c1"), timing));
            // Restart while the writers are still going, a third of the way in.
            await().atMost(WAIT).until(() -> viaB.get("/v1/stores/chk").json().getLong("revision") >= 100);
            a.close();
            for (Watcher watcher : watchers) {
                await().atMost(WAIT).until(watcher.client::ended);
                watcher.resumeOn(b.port());
            }
            try (DkvServer restarted = TestDkv.start(configA)) {
                watchers.add(Watcher.start(restarted.port(), "prefix=&snapshot=true", k -> true, timing));
                for (Future<?> writer : writers) {
                    writer.get(180, TimeUnit.SECONDS);
                }
                long finalRevision = viaB.get("/v1/stores/chk").json().getLong("revision");
                List<List<Change>> truth = readChangeTopic(prefix + ".store.chk.changes", finalRevision);
                for (Watcher watcher : watchers) {
                    watcher.readUntil(finalRevision);
                    watcher.verify(truth, finalRevision);
                }
            }
            pool.shutdownNow();
        }
    }

    private static void write(DkvHttp http, Random random, int operations) {
        for (int i = 0; i < operations; i++) {
            int choice = random.nextInt(10);
            // Outcomes do not matter here: the change topic is the truth the watchers are checked against.
            if (choice < 5) {
                http.put("/v1/stores/chk/kv/" + key(random), "v" + random.nextInt(1000));
            } else if (choice < 8) {
                http.delete("/v1/stores/chk/kv/" + key(random));
            } else {
                String a = key(random);
                String b = key(random);
                String second = a.equals(b) ? "" : ",{\"op\":\"delete\",\"key\":\"" + b + "\"}";
                http.post("/v1/stores/chk/txn", "{\"then\":[{\"op\":\"put\",\"key\":\"" + a + "\",\"value\":\"t" + i + "\"}" + second + "]}");
            }
        }
    }

    private static String key(Random random) {
        return PREFIXES.get(random.nextInt(PREFIXES.size())) + random.nextInt(6);
    }

    record Change(String key, boolean put, String value, long revision) {
    }

    private static List<List<Change>> readChangeTopic(String topic, long finalRevision) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<List<Change>> batches = new ArrayList<>();
        try (KafkaConsumer<String, ChangeEvent> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ChangeEventDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.currentTimeMillis() + 60_000;
            while ((batches.isEmpty() || batches.get(batches.size() - 1).get(0).revision() < finalRevision)
                    && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, ChangeEvent> record : consumer.poll(Duration.ofMillis(200))) {
                    long revision = Long.parseLong(ChangeHeaders.get(record.headers(), ChangeHeaders.REVISION));
                    ChangeEvent event = record.value() != null ? record.value() : ChangeEventDeserializer.fromTombstone(record.headers());
                    Change change = new Change(record.key(), event.getType() == ChangeType.PUT,
                            event.getValue() == null ? null : StandardCharsets.UTF_8.decode(event.getValue()).toString(), revision);
                    if (batches.isEmpty() || batches.get(batches.size() - 1).get(0).revision() != revision) {
                        batches.add(new ArrayList<>());
                    }
                    batches.get(batches.size() - 1).add(change);
                }
            }
        }
        for (int i = 0; i < batches.size(); i++) {
            assertThat(batches.get(i).get(0).revision()).as("change topic revisions are contiguous").isEqualTo(i + 1);
        }
        assertThat(batches).hasSize((int) finalRevision);
        return batches;
    }

    /** One watcher: its SSE session(s) and everything it received. */
    static final class Watcher {
        private final int port;
        private final String query;
        private final Predicate<String> scope;
        private final TreeMap<String, String> snapshot = new TreeMap<>();
        private final List<Change> events = new ArrayList<>();
        private long start = -1;
        private long lastRevision;
        private long lastCompleteRevision = -1;
        private long completeThrough = -1;
        private SseClient client;

        private Watcher(int port, String query, Predicate<String> scope) {
            this.port = port;
            this.query = query;
            this.scope = scope;
        }

        static Watcher start(int port, String query, Predicate<String> scope, Random timing) throws InterruptedException {
            Thread.sleep(timing.nextInt(400));
            Watcher watcher = new Watcher(port, query, scope);
            watcher.client = openWhenServed(port, "/v1/stores/chk/watch?" + query);
            if (query.contains("snapshot=true")) {
                for (SseClient.Message message : watcher.client.until("snapshot-end", WAIT)) {
                    if (message.event().equals("snapshot")) {
                        watcher.snapshot.put(message.key(), message.data().getString("value"));
                    } else {
                        watcher.start = message.data().getLong("revision");
                    }
                }
            } else if (query.contains("fromRevision=1")) {
                watcher.start = 0;
            } else {
                SseClient.Message first = watcher.client.next(WAIT);
                assertThat(first.event()).isEqualTo("progress");
                watcher.start = first.revision();
            }
            watcher.lastRevision = watcher.start;
            watcher.completeThrough = watcher.start;
            return watcher;
        }

        /** Reads up to {@code count} changes, or what arrives within the wait. */
        void take(int count) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            int seen = 0;
            while (seen < count && System.nanoTime() < deadline) {
                SseClient.Message message = client.poll(Duration.ofMillis(100));
                if (message != null) {
                    seen += accept(message) ? 1 : 0;
                }
            }
        }

        /** Records a change or notes a progress; true for a change. */
        private boolean accept(SseClient.Message message) {
            if (message.event().equals("progress")) {
                lastRevision = Math.max(lastRevision, message.revision());
                completeThrough = Math.max(completeThrough, message.revision());
                return false;
            }
            record(message);
            return true;
        }

        /**
         * Takes what the old connection delivered, drops it, and resumes on {@code port} from the
         * last event id seen, as a browser's EventSource would; the part of a transaction after that
         * id comes again, so it is dropped here, as a client that applies whole transactions does.
         */
        void resumeOn(int port) {
            client.close();
            client.drain().forEach(this::accept);
            long resumeAfter = Math.max(lastCompleteRevision, start);
            events.removeIf(e -> e.revision() > resumeAfter);
            lastRevision = resumeAfter;
            completeThrough = resumeAfter;
            client = openWhenServed(port, "/v1/stores/chk/watch?" + query.replace("&snapshot=true", ""),
                    "Last-Event-ID", Long.toString(resumeAfter));
        }

        /** Opens the watch, retrying while the stores move between instances (503). */
        private static SseClient openWhenServed(int port, String path, String... headers) {
            AtomicReference<SseClient> opened = new AtomicReference<>();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                SseClient client = SseClient.open(port, path, headers);
                if (client.status() == 503) {
                    client.close();
                    return false;
                }
                opened.set(client);
                return true;
            });
            assertThat(opened.get().status()).isEqualTo(200);
            return opened.get();
        }

        void disconnectAfterEventsThenResume(int count) throws InterruptedException {
            take(count);
            resumeOn(port);
        }

        void readUntil(long finalRevision) throws InterruptedException {
            // Until everything through the final revision has arrived: a progress at or past it, or
            // the last (id-carrying) message of its transaction.
            while (completeThrough < finalRevision) {
                accept(client.next(WAIT));
            }
            client.close();
        }

        private void record(SseClient.Message message) {
            assertThat(message.event()).as(query).isIn("put", "delete");
            long revision = message.revision();
            assertThat(message.id()).isIn(null, Long.toString(revision));
            if (message.id() != null) {
                lastCompleteRevision = revision;
                completeThrough = Math.max(completeThrough, revision);
            }
            events.add(new Change(message.key(), message.event().equals("put"), message.data().getString("value"), revision));
            assertThat(revision).as("%s: revisions never go back", query).isGreaterThanOrEqualTo(lastRevision);
            lastRevision = revision;
        }

        void verify(List<List<Change>> truth, long finalRevision) {
            if (query.contains("snapshot=true")) {
                TreeMap<String, String> state = new TreeMap<>();
                for (int r = 1; r <= start; r++) {
                    apply(state, truth.get(r - 1));
                }
                assertThat(snapshot).as("%s: snapshot at %d", query, start).isEqualTo(state);
            }

            List<Change> expected = new ArrayList<>();
            for (long r = start + 1; r <= finalRevision; r++) {
                truth.get((int) r - 1).stream().filter(c -> scope.test(c.key())).forEach(expected::add);
            }
            assertThat(events).as("%s: every change in scope after %d, once, in order", query, start).isEqualTo(expected);
        }

        private void apply(TreeMap<String, String> state, List<Change> batch) {
            for (Change change : batch) {
                if (!scope.test(change.key())) {
                    continue;
                }
                if (change.put()) {
                    state.put(change.key(), change.value());
                } else {
                    state.remove(change.key());
                }
            }
        }
    }
}
