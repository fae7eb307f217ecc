package io.dkv.gateway.internals;

import io.dkv.kafka.DkvTopics;
import io.dkv.kafka.KafkaCluster;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.InvalidRecordException;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.streams.CommittedReply;
import io.dkv.streams.CommittedReplyListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request/reply over Kafka: appends commands to the commands topic (keyed by store, so one store's
 * commands keep their order) and completes each caller's future when the reply with its request id
 * is read, {@code read_committed}, from the replies topic (the changelog of the processors' dedupe
 * store, {@code DkvTopology.repliesTopic}), or earlier, when the Streams instance in this process
 * reports the transaction that wrote it committed ({@link #committed(List)}). Every reply also
 * advances {@link CommittedRevisions}, once, through whichever path answered it.
 *
 * <p>Every gateway reads every reply partition from the end at start, which lets any gateway serve
 * any store, except the partitions of the tasks running in this process while Streams runs: their
 * replies all come through {@link #committed(List)} ({@link LocalReplyPartitions}). Thread-safe;
 * {@link #send} never blocks (the producer call runs on its own thread).
 *
 * <p>The commands of a store's batch linger in the producer (up to {@code commandLinger}) until the
 * one that completes it ({@link Command#getCommitNow()}: the stream thread commits when it sees it),
 * so that the batch reaches the broker and the stream thread in a request or two rather than one each.
 * That command and every command other than a {@code TXN} are sent at once, together with whatever
 * lingers.
 */
public final class CommandBus implements CommittedReplyListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommandBus.class);
    private static final int COMMAND_BATCH_BYTES = 256 * 1024;
    /** Longest wait of the reply reader's poll: it is woken when it must adjust sooner. */
    private static final Duration REPLY_POLL = Duration.ofSeconds(5);

    private final DkvTopics topics;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
    private final LocalReplyPartitions localPartitions;
    private final EarlyCommitPolicy earlyCommit = new EarlyCommitPolicy();
    private final CommittedRevisions committed = new CommittedRevisions();
    private final Thread replyThread;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "dkv-command-sender");
        thread.setDaemon(true);
        return thread;
    });
    // producer.flush() sends what lingers but also waits for the acknowledgements, so it runs here,
    // off the sender thread; one pending flush covers every command appended before it starts.
    private final ExecutorService flusher = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "dkv-command-flusher");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean flushPending = new AtomicBoolean();
    private final ExecutorService earlyAnswers = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "dkv-early-answers");
        thread.setDaemon(true);
        return thread;
    });
    private final Timer roundTrip;
    private final Counter answeredAtCommit;
    private final Counter answeredFromTopic;
    private volatile boolean running = true;
    /** Whether replies are still read from the topic, which is what forgets the requests answered at commit. */
    private volatile boolean readingReplies = true;

    /**
     * @param repliesTopic    where replies are read from ({@code DkvTopology.repliesTopic})
     * @param replyPartitions how many partitions it has
     * @param commandLinger how long a command of a batch, other than the one completing it, may wait
     *                      to be sent with the rest; zero sends each command at once
     */
    public CommandBus(KafkaCluster kafka, DkvTopics topics, String repliesTopic, int replyPartitions,
                      Duration commandLinger, MeterRegistry registry) {
        this.topics = topics;
        this.producer = new KafkaProducer<>(producerProps(kafka, topics, commandLinger), new StringSerializer(), new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(consumerProps(kafka), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = IntStream.range(0, replyPartitions)
                .mapToObj(p -> new TopicPartition(repliesTopic, p)).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // Resolve the end offsets now, before any command is sent, so no reply can slip past.
        partitions.forEach(consumer::position);
        this.localPartitions = new LocalReplyPartitions(partitions);
        this.roundTrip = Timer.builder("dkv.command.round.trip")
                .description("Time from appending a command to its committed reply")
                .publishPercentileHistogram().register(registry);
        registry.gauge("dkv.command.pending", pending, Map::size);
        Gauge.builder("dkv.command.replies.skipped.partitions", localPartitions, LocalReplyPartitions::skipped)
                .description("Reply partitions not read from the topic, as the Streams instance in this process reports their replies at commit")
                .register(registry);
        this.answeredAtCommit = answers(registry, "commit");
        this.answeredFromTopic = answers(registry, "replies-topic");
        new KafkaClientMetrics(producer).bindTo(registry);
        new KafkaClientMetrics(consumer).bindTo(registry);
        this.replyThread = new Thread(this::readReplies, "dkv-reply-reader");
        this.replyThread.setDaemon(true);
        this.replyThread.start();
    }

    private static Counter answers(MeterRegistry registry, String path) {
        return Counter.builder("dkv.command.answers")
                .description("Commands answered, by how their reply came: from this process's Streams instance at commit, or from the replies topic")
                .tag("path", path).register(registry);
    }

    private static Properties producerProps(KafkaCluster kafka, DkvTopics topics, Duration linger) {
        Properties p = kafka.properties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(linger.toMillis()));
        // 64 writes of 256-byte values are about 21 KB of commands. In Kafka's 16 KiB batches the first
        // part would leave on its own once full, as one more produce request and stream-thread fetch.
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(COMMAND_BATCH_BYTES));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(topics.settings().maxMessageBytes()));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "dkv-gateway-commands");
        return p;
    }

    private static Properties consumerProps(KafkaCluster kafka) {
        Properties p = kafka.properties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dkv-gateway-replies");
        return p;
    }

    public CommittedRevisions committedRevisions() {
        return committed;
    }

    /**
     * Appends the command and returns its reply once the transaction that processed it committed.
     * The future fails with {@link TimeoutException} after {@code timeout}; the command may still
     * be applied later, and a retry with the same request id then returns its original reply.
     *
     * <p>Sets the command's {@code commitNow} when it completes the batch of the store's commands
     * this gateway expects back after the last answer ({@link EarlyCommitPolicy}): its transaction
     * then commits as soon as the batch is in. A lone writer's batch is a single command.
     */
    public CompletableFuture<Reply> send(Command command, Duration timeout) {
        long started = System.nanoTime();
        CompletableFuture<Reply> future = new CompletableFuture<>();
        CompletableFuture<Reply> earlier = pending.putIfAbsent(command.getRequestId(), future);
        if (earlier != null) {
            return earlier;
        }
        future.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((reply, error) -> {
                    pending.remove(command.getRequestId(), future);
                    if (error == null) {
                        roundTrip.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    }
                });
        // One thread appends every command, so the policy counts them in log order; producer.send
        // also blocks while it fetches metadata or its buffer is full, which callers must not.
        sender.execute(() -> {
            try {
                earlyCommit.sent(command);
                ProducerRecord<String, byte[]> record =
                        new ProducerRecord<>(topics.commands(), command.getStore(), DkvCodec.COMMAND.encode(command));
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        future.completeExceptionally(error);
                    }
                });
                if (command.getCommitNow() || command.getType() != CommandType.TXN) {
                    flushSoon();
                }
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            }
        });
        return future;
    }

    /**
     * The reply with {@code requestId} that a command sent earlier makes the processor write later
     * (a queued lock acquire's grant), once it is committed. Call it before sending that command, so
     * the reply cannot slip past; fails with {@link TimeoutException} after {@code timeout}.
     */
    public CompletableFuture<Reply> expect(String requestId, Duration timeout) {
        CompletableFuture<Reply> future = new CompletableFuture<>();
        CompletableFuture<Reply> earlier = pending.putIfAbsent(requestId, future);
        if (earlier != null) {
            return earlier;
        }
        future.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((reply, error) -> pending.remove(requestId, future));
        return future;
    }

    /** Stops waiting for a reply {@link #expect expected} earlier. */
    public void forget(String requestId, CompletableFuture<Reply> expected) {
        pending.remove(requestId, expected);
        expected.cancel(false);
    }

    private void flushSoon() {
        if (flushPending.compareAndSet(false, true)) {
            flusher.execute(() -> {
                flushPending.set(false);
                producer.flush();
            });
        }
    }

    /**
     * A read barrier: resolves once every command of the store appended before it has committed,
     * and leaves the store's committed revision in {@link #committedRevisions()}.
     */
    public CompletableFuture<Reply> sync(String store, Duration timeout) {
        return send(syncCommand(store), timeout);
    }

    /** A SYNC command for the store: changes nothing, and its reply carries the committed revision. */
    public static Command syncCommand(String store) {
        return gatewayCommand(store, CommandType.SYNC);
    }

    /** The last step of a store's delete, once its change topic is gone: frees the name for a new store. */
    public static Command releaseStoreNameCommand(String store) {
        return gatewayCommand(store, CommandType.RELEASE_STORE_NAME);
    }

    /** A command the gateway sends on its own account, under a fresh request id. */
    private static Command gatewayCommand(String store, CommandType type) {
        return Command.newBuilder().setRequestId(UUID.randomUUID().toString()).setNewRequestId(true).setStore(store)
                .setType(type).setIssuedAtMs(System.currentTimeMillis()).build();
    }

    /**
     * Answers the waiting requests among a transaction's replies that the Streams instance in this
     * process has just committed, without waiting to read them from the replies topic. Returns at
     * once (it is called on a stream thread). Replies of requests not waiting here reach their
     * gateways through the topic; here they only advance the committed revisions, and only when the
     * reader skips their partition (otherwise it does that when it reads them).
     */
    @Override
    public void committed(List<CommittedReply> replies) {
        earlyAnswers.execute(() -> {
            List<Answer> answers = new ArrayList<>();
            for (CommittedReply committedReply : replies) {
                Reply reply = replyIn(committedReply.value());
                CompletableFuture<Reply> future = pending.get(reply.getRequestId());
                boolean skipped = localPartitions.committedHere(committedReply.partition(), committedReply.offset(),
                        future != null && readingReplies ? reply.getRequestId() : null);
                if (future != null || skipped) {
                    // The reader observes the rest, unless it skips their partition.
                    observe(reply);
                }
                if (future != null) {
                    answers.add(new Answer(reply, future, committedReply.partition()));
                }
            }
            answer(answers, answeredAtCommit);
        });
    }

    /** Tells whether the partitions whose replies come through {@link #committed(List)} stay put: see {@link LocalReplyPartitions}. */
    @Override
    public void running(boolean running) {
        localPartitions.streamsRunning(running);
        if (!running) {
            // The paused partitions must be read again at once: wake the reader from its long poll.
            consumer.wakeup();
        }
    }

    private record Answer(Reply reply, CompletableFuture<Reply> future, int partition) {
    }

    /** The reply in a value of the replies topic: the processor's dedupe entry, which holds it. */
    private static Reply replyIn(byte[] value) {
        return DkvCodec.PROCESSED_REQUEST.decode(value).getReply();
    }

    /**
     * Gives replies that arrived together to their waiting requests. The early-commit policy learns
     * each store's batch first, so the commands the answers prompt are counted against it.
     */
    private void answer(List<Answer> answers, Counter path) {
        Map<String, Integer> counts = new HashMap<>();
        Map<String, Long> revisions = new HashMap<>();
        for (Answer a : answers) {
            counts.merge(a.reply().getStore(), 1, Integer::sum);
            revisions.merge(a.reply().getStore(), a.reply().getRevision(), Math::max);
        }
        counts.forEach((store, count) -> earlyCommit.answered(store, count, revisions.get(store)));
        for (Answer a : answers) {
            if (a.future().complete(a.reply())) {
                path.increment();
            } else {
                // Answered by the other path first (or timed out): its topic reply will not be skipped.
                localPartitions.answeredEarly(a.partition(), a.reply().getRequestId());
            }
        }
    }

    private void observe(Reply reply) {
        // A NOT_FOUND with a code is about something in the store (a lease), not the store.
        if (reply.getStatus() != Status.NOT_FOUND || reply.getCode() != null) {
            committed.observe(reply.getStore(), reply.getRevision());
        } else {
            committed.forget(reply.getStore());
        }
    }

    /**
     * Adjusts the paused partitions, then waits up to {@link #REPLY_POLL} for replies. The poll
     * returns as soon as a fetch brings some; with every partition paused (each store processed here)
     * it only sleeps, and {@link #running(boolean)} wakes it when they must be read again: then, and
     * when woken before it polled, it returns no replies.
     */
    private ConsumerRecords<String, byte[]> adjustAndPoll() {
        try {
            localPartitions.adjust(consumer);
            return consumer.poll(REPLY_POLL);
        } catch (WakeupException e) {
            if (!running) {
                throw e;
            }
            return ConsumerRecords.empty();
        }
    }

    private void readReplies() {
        try {
            while (running) {
                List<Answer> answers = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> record : adjustAndPoll()) {
                    Reply reply;
                    try {
                        reply = replyIn(record.value());
                    } catch (InvalidRecordException | NullPointerException e) {
                        LOG.warn("Skipping an unreadable reply at {}-{}@{}", record.topic(), record.partition(), record.offset());
                        continue;
                    }
                    if (localPartitions.answeredEarly(record.partition(), reply.getRequestId())) {
                        // Observing it again could move the committed revision back behind a later early answer.
                        continue;
                    }
                    observe(reply);
                    CompletableFuture<Reply> future = pending.get(reply.getRequestId());
                    if (future != null) {
                        answers.add(new Answer(reply, future, record.partition()));
                    }
                }
                answer(answers, answeredFromTopic);
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            LOG.error("The reply reader stopped; commands of stores processed by other DKV instances will time out until restart", e);
        } finally {
            readingReplies = false;
            localPartitions.forgetAnswered();
            consumer.close();
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            replyThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.shutdown();
        flusher.shutdown();
        earlyAnswers.shutdown();
        producer.close(Duration.ofSeconds(5));
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("DKV is shutting down")));
    }
}
