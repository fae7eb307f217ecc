package io.dkv.gateway.watch.internals;

import io.dkv.gateway.watch.WatchEvent;
import io.dkv.kafka.DkvTopics;
import io.dkv.kafka.KafkaCluster;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Kafka consumer per gateway process that feeds every watch. It reads the change topics of
 * the stores that have watchers ({@code read_committed}, assigned on demand, from the end), groups
 * the records of one revision into a batch, and hands each watch the part of the batch in its scope,
 * found through an index of exact keys and prefixes per store (a changed key is probed only with
 * its prefixes of the lengths that watched prefixes have). It also tells idle watches how far
 * it has read (progress).
 *
 * <p>All consumer work and index changes happen on the feed's own thread; other threads talk to it
 * through a command queue. Thread-safe.
 *
 * <p>End offsets come from an admin client of the feed's own, not from the consumer: the broker
 * answers one connection's requests in order, so a consumer's ListOffsets would queue behind its
 * fetch waiting out {@code fetch.max.wait.ms} on idle topics, and every snapshot watch would start
 * that much later.
 */
public final class ChangeFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

    private static final Duration OFFSETS_TIMEOUT = Duration.ofSeconds(10);
    /** How long a fetch waits on the broker for data: bounds how late a newly watched store's first change comes. */
    private static final int FETCH_MAX_WAIT_MS = 100;

    private final DkvTopics topics;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Admin offsets;
    private final BlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final Map<String, StoreWatches> stores = new HashMap<>();
    private final Map<String, PendingBatch> pendingBatches = new HashMap<>();
    private final Map<String, Long> readRevisions = new HashMap<>();
    private final AtomicInteger watchCount = new AtomicInteger();
    private final List<CatchUp> catchUps = new ArrayList<>();
    private final long progressIntervalMs;
    private final Thread thread;
    private volatile boolean running = true;
    private long lastProgress = System.currentTimeMillis();

    public ChangeFeed(KafkaCluster kafka, DkvTopics topics, long progressIntervalMs, MeterRegistry registry) {
        this.topics = topics;
        this.progressIntervalMs = progressIntervalMs;
        Properties p = kafka.properties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dkv-gateway-watch-feed");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(FETCH_MAX_WAIT_MS));
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Properties a = kafka.properties();
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, "dkv-gateway-watch-feed-offsets");
        this.offsets = Admin.create(a);
        new KafkaClientMetrics(consumer).bindTo(registry);
        registry.gauge("dkv.watch.active", watchCount);
        this.thread = new Thread(this::run, "dkv-watch-feed");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The watches of one store, indexed by exact key and by prefix. */
    private static final class StoreWatches {
        final Map<ByteBuffer, List<Watch>> exact = new HashMap<>();
        final Map<ByteBuffer, List<Watch>> prefixes = new HashMap<>();
        /** How many indexed prefixes have each length, so matching probes only lengths in use. */
        final TreeMap<Integer, Integer> prefixLengths = new TreeMap<>();
        int size;
    }

    private record PendingBatch(long revision, int size, List<ConsumerRecord<byte[], byte[]>> records) {
    }

    /**
     * Adds the watch to the index. Completes, with the change topic offset from which the watch
     * receives every record, once every change committed from now on will reach it; the records
     * before that offset are committed, so any state read afterwards already contains them.
     */
    public CompletableFuture<Long> register(Watch watch) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        watch.onClose(() -> commands.add(() -> remove(watch)));
        commands.add(() -> {
            try {
                done.complete(add(watch));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * Completes once the feed has read the store's change topic up to its current end (the last
     * committed record when this runs), so every change committed before the call has been offered
     * to the store's watches.
     */
    public CompletableFuture<Void> catchUp(String store) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        commands.add(() -> {
            TopicPartition partition = new TopicPartition(topics.changes(store), 0);
            try {
                catchUps.add(new CatchUp(store, partition, committedEnd(partition), done));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** The partition's last stable offset: what a read_committed reader can read up to. */
    private long committedEnd(TopicPartition partition) {
        try {
            return offsets.listOffsets(Map.of(partition, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .partitionResult(partition).get(OFFSETS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).offset();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("no end offset for " + partition + " within " + OFFSETS_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException(e);
        }
    }

    private record CatchUp(String store, TopicPartition partition, long endOffset, CompletableFuture<Void> done) {
    }

    private void completeCatchUps() {
        if (catchUps.isEmpty()) {
            return;
        }
        catchUps.removeIf(c -> {
            if (!consumer.assignment().contains(c.partition())) {
                c.done().completeExceptionally(new IllegalStateException("no watch reads " + c.partition() + " any more"));
                return true;
            }
            // A partly read batch is not offered yet; the position must be past it too.
            PendingBatch pending = pendingBatches.get(c.store());
            if (consumer.position(c.partition()) >= c.endOffset() && pending == null) {
                c.done().complete(null);
                return true;
            }
            return false;
        });
    }

    /** The newest revision of the store the feed has handed to watches, or -1 if none since it started reading it. */
    private long readRevision(String store) {
        return readRevisions.getOrDefault(store, -1L);
    }

    private long add(Watch watch) {
        String store = watch.scope().store();
        StoreWatches index = stores.get(store);
        TopicPartition partition = new TopicPartition(topics.changes(store), 0);
        if (index == null) {
            long end = committedEnd(partition);
            List<TopicPartition> assignment = new ArrayList<>(consumer.assignment());
            assignment.add(partition);
            consumer.assign(assignment);
            consumer.seek(partition, end);
            index = new StoreWatches();
            stores.put(store, index);
        }
        ByteBuffer key = ByteBuffer.wrap(watch.scope().key());
        Map<ByteBuffer, List<Watch>> map = watch.scope().prefix() ? index.prefixes : index.exact;
        List<Watch> list = map.get(key);
        if (list == null) {
            list = new ArrayList<>(1);
            map.put(key, list);
            if (watch.scope().prefix()) {
                index.prefixLengths.merge(key.remaining(), 1, Integer::sum);
            }
        }
        list.add(watch);
        index.size++;
        watchCount.incrementAndGet();
        PendingBatch pending = pendingBatches.get(store);
        // A batch partly read belongs to the watches that saw its start; the new one gets it from history.
        return pending == null ? consumer.position(partition) : pending.records().get(0).offset();
    }

    private void remove(Watch watch) {
        String store = watch.scope().store();
        StoreWatches index = stores.get(store);
        if (index == null) {
            return;
        }
        Map<ByteBuffer, List<Watch>> map = watch.scope().prefix() ? index.prefixes : index.exact;
        ByteBuffer key = ByteBuffer.wrap(watch.scope().key());
        List<Watch> list = map.get(key);
        if (list == null || !list.remove(watch)) {
            return;
        }
        if (list.isEmpty()) {
            map.remove(key);
            if (watch.scope().prefix()) {
                index.prefixLengths.merge(key.remaining(), -1, (a, b) -> a + b == 0 ? null : a + b);
            }
        }
        index.size--;
        watchCount.decrementAndGet();
        if (index.size == 0) {
            stores.remove(store);
            pendingBatches.remove(store);
            readRevisions.remove(store);
            TopicPartition partition = new TopicPartition(topics.changes(store), 0);
            List<TopicPartition> assignment = new ArrayList<>(consumer.assignment());
            assignment.remove(partition);
            consumer.assign(assignment);
        }
    }

    private void run() {
        try {
            while (running) {
                Runnable command;
                while ((command = commands.poll()) != null) {
                    command.run();
                }
                if (consumer.assignment().isEmpty()) {
                    Runnable next = commands.poll(progressIntervalMs, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        commands.add(next);
                    }
                    continue;
                }
                try {
                    // Short polls: registrations wait for the next loop (a wakeup could hit them mid-call instead).
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                        accept(record);
                    }
                } catch (WakeupException e) {
                    if (!running) {
                        break;
                    }
                }
                completeCatchUps();
                maybeSendProgress();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("The watch feed stopped; watches receive no more events until restart", e);
        } finally {
            consumer.close();
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        String store = ChangeRecords.store(record);
        if (store == null || !stores.containsKey(store)) {
            return;
        }
        long revision = ChangeRecords.revision(record);
        int size = ChangeRecords.batchSize(record);
        PendingBatch pending = pendingBatches.get(store);
        if (pending == null || pending.revision() != revision) {
            pending = new PendingBatch(revision, size, new ArrayList<>(size));
            pendingBatches.put(store, pending);
        }
        pending.records().add(record);
        if (pending.records().size() >= pending.size()) {
            pendingBatches.remove(store);
            dispatch(store, pending);
            readRevisions.put(store, revision);
        }
    }

    private void dispatch(String store, PendingBatch batch) {
        StoreWatches index = stores.get(store);
        Map<Watch, List<WatchEvent>> byWatch = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : batch.records()) {
            WatchEvent event = ChangeRecords.event(record);
            byte[] key = event.key();
            List<Watch> exact = index.exact.get(ByteBuffer.wrap(key));
            if (exact != null) {
                exact.forEach(w -> byWatch.computeIfAbsent(w, x -> new ArrayList<>()).add(event));
            }
            for (int length : index.prefixLengths.headMap(key.length, true).keySet()) {
                List<Watch> matching = index.prefixes.get(ByteBuffer.wrap(key, 0, length));
                if (matching != null) {
                    matching.forEach(w -> byWatch.computeIfAbsent(w, x -> new ArrayList<>()).add(event));
                }
            }
        }
        byWatch.forEach(Watch::offer);
    }

    private void maybeSendProgress() {
        long now = System.currentTimeMillis();
        if (now - lastProgress < progressIntervalMs) {
            return;
        }
        lastProgress = now;
        endWatchesOfDeletedStores();
        stores.forEach((store, index) -> {
            long revision = readRevision(store);
            index.exact.values().forEach(list -> list.forEach(w -> w.progress(revision)));
            index.prefixes.values().forEach(list -> list.forEach(w -> w.progress(revision)));
        });
    }

    /** A store deleted (through any gateway) takes its change topic with it; its watches end with {@code store-deleted}. */
    private void endWatchesOfDeletedStores() {
        for (String store : List.copyOf(stores.keySet())) {
            if (consumer.partitionsFor(topics.changes(store), Duration.ofSeconds(1)).isEmpty()) {
                StoreWatches index = stores.get(store);
                List<Watch> watches = new ArrayList<>();
                index.exact.values().forEach(watches::addAll);
                index.prefixes.values().forEach(watches::addAll);
                watches.forEach(w -> w.cancel("store-deleted"));
            }
        }
    }

    @Override
    public void close() {
        running = false;
        // Wakes the thread whether it polls the consumer or, with nothing assigned, the command queue.
        commands.add(() -> { });
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        offsets.close(OFFSETS_TIMEOUT);
    }
}
