package io.dkv.streams.internals;

import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.InvalidRecordException;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.schemas.StoreMeta;
import io.dkv.streams.DkvTopology;
import io.dkv.streams.kv.internals.KvRestorer;
import io.dkv.streams.kv.internals.TxnApplier;
import io.dkv.streams.lease.LeaseLimits;
import io.dkv.streams.lease.LiveLeases;
import io.dkv.streams.lease.LiveLeases.LeaseId;
import io.dkv.streams.lease.internals.LeaseApplier;
import io.dkv.streams.lease.internals.LeaseExpiryPunctuator;
import io.dkv.streams.lease.internals.LeaseStore;
import io.dkv.streams.lock.LockLimits;
import io.dkv.streams.lock.internals.LockApplier;
import io.dkv.streams.lock.internals.LockStore;
import io.dkv.streams.store.internals.StoreRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of every DKV store on its partition. For each command, in log order: drop it
 * if its request id was already processed within the dedupe window (and repeat the original
 * reply), otherwise validate it against the state stores, apply it, and forward the change
 * records and the reply. Kafka Streams writes the store updates, the changes, the reply and the
 * input offset in one exactly-once transaction, so a rejected or failed command changes nothing.
 *
 * <p>A command's reply goes to the gateways as the entry it leaves in the dedupe memory
 * ({@link ProcessedRequests}), whose changelog is the replies topic: a duplicate's original reply and
 * a {@code SYNC}'s reply are recorded there too, so every command is answered.
 *
 * <p>The processor asks for every commit of its stream thread's transaction: right after a command
 * marked {@code commitNow} (its gateway judged that the batch it expects, a lone writer's single
 * command or the commands its last answer will bring back, is now in the log), unless that command
 * waited more than {@link #STALE_COMMAND_MS} to be processed or its batch was answered by an earlier
 * commit than the thread's latest (the latest one's batch is still coming back and joins it);
 * otherwise once no command has joined the transaction for the commit wait, or its first command has
 * waited {@link #LONGEST_WAIT_IN_COMMIT_WAITS} commit waits ({@link CommitPacer}).
 */
public final class CommandProcessor implements Processor<String, byte[], byte[], byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(CommandProcessor.class);
    /**
     * A {@code commitNow} command older than this (by its gateway's clock) was queued behind others,
     * as when many gateways each send one: committing after every such command would leave one
     * command per transaction, so they share transactions paced by the commit wait instead. A lone writer's
     * commands arrive in a few milliseconds. The task's first command since it started is exempt: it
     * waited for the start, and then for the main consumer's fetch in flight (up to Kafka's 500 ms
     * fetch wait, which DKV keeps because a shorter one costs an idle instance a fetch round trip
     * each time), not behind other commands. Clock skew only moves the choice, never the outcome.
     */
    static final long STALE_COMMAND_MS = 150;
    /**
     * While commands keep joining a transaction without a batch mark (many writers that are not a
     * closed loop), it still commits this many commit waits after its first command.
     */
    static final int LONGEST_WAIT_IN_COMMIT_WAITS = 4;
    /** The finest wall-clock punctuation Kafka Streams offers. */
    private static final Duration OVERDUE_CHECK = Duration.ofMillis(1);

    private final Duration dedupeWindow;
    private final KvRestorer restorer;
    private final long quietNanos;
    private final long longestWaitNanos;
    private final LiveLeases liveLeases;
    private final LeaseLimits leaseLimits;
    private final LockLimits lockLimits;
    private ProcessorContext<byte[], byte[]> context;
    /** Checks every millisecond whether the open transaction is overdue; scheduled only while it is open. */
    private Cancellable overdueCheck;
    private ProcessedRequests processed;
    private StoreRegistry registry;
    private TxnApplier txns;
    private LeaseStore leaseStore;
    private LeaseApplier leases;
    private LeaseExpiryPunctuator expiry;
    private LockApplier locks;
    /** Whether the task processed a command since {@link #init}: the first one is never stale. */
    private boolean processedSinceInit;

    /**
     * @param dedupeWindow how long a request id is remembered at least
     * @param commitWait without a batch mark, a transaction commits once no command has joined it
     *     for this long, or {@link #LONGEST_WAIT_IN_COMMIT_WAITS} times this after its first command
     * @param restorer rebuilds the task's {@code kv} rows from the change topics when it starts, if
     *     they do not match its meta store
     * @param liveLeases where the task keeps its leases' deadlines, shared with the gateway that refreshes them
     * @param leaseLimits the bounds on leases the task enforces
     * @param lockLimits the bounds on locks the task enforces
     */
    public CommandProcessor(Duration dedupeWindow, Duration commitWait, KvRestorer restorer, LiveLeases liveLeases,
            LeaseLimits leaseLimits, LockLimits lockLimits) {
        this.dedupeWindow = dedupeWindow;
        this.restorer = restorer;
        this.liveLeases = liveLeases;
        this.leaseLimits = leaseLimits;
        this.lockLimits = lockLimits;
        this.quietNanos = commitWait.toNanos();
        this.longestWaitNanos = LONGEST_WAIT_IN_COMMIT_WAITS * quietNanos;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.processedSinceInit = false;
        KeyValueStore<Bytes, byte[]> kv = context.getStateStore(DkvTopology.KV_STORE);
        KeyValueStore<String, byte[]> meta = context.getStateStore(DkvTopology.META_STORE);
        this.processed = new ProcessedRequests(context.getStateStore(DkvTopology.REQUESTS_STORE), dedupeWindow);
        this.registry = new StoreRegistry(meta, kv);
        this.leaseStore = new LeaseStore(context.getStateStore(DkvTopology.LEASES_STORE), liveLeases, context.taskId().partition());
        this.leases = new LeaseApplier(registry, kv, leaseStore, leaseLimits);
        LockStore lockStore = new LockStore(context.getStateStore(DkvTopology.LOCKS_STORE), leaseStore);
        this.txns = new TxnApplier(registry, kv, leaseStore, leaseLimits, lockStore);
        this.locks = new LockApplier(registry, txns, leases, leaseStore, lockStore, lockLimits);
        restorer.restoreStale(registry, kv, context.appConfigs());
        // A full TTL for every lease from now: the refreshes an earlier owner answered are unknown here.
        leaseStore.adoptAll(context.currentSystemTimeMs());
        this.expiry = new LeaseExpiryPunctuator(leaseStore, Duration.ofMillis(leaseLimits.expiryCheckMs()), this::expire);
        expiry.runIfNeeded(context);
    }

    @Override
    public void close() {
        if (expiry != null) {
            expiry.stop();
        }
        if (leaseStore != null) {
            leaseStore.release();
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Command command;
        try {
            command = DkvCodec.COMMAND.decode(record.value());
        } catch (InvalidRecordException | NullPointerException e) {
            LOG.warn("Skipping an unreadable command at offset {} of partition {}: {}",
                    context.recordMetadata().map(m -> String.valueOf(m.offset())).orElse("?"),
                    context.recordMetadata().map(m -> String.valueOf(m.partition())).orElse("?"), e.getMessage());
            return;
        }
        long now = record.timestamp();
        boolean stale = processedSinceInit && context.currentSystemTimeMs() - now > STALE_COMMAND_MS;
        processedSinceInit = true;
        CommitPacer pacer = CommitPacer.forCurrentThread();
        pacer.arrived(System.nanoTime());
        if (overdueCheck == null) {
            // A wall-clock punctuation marks its task as needing a commit, so only a task with
            // commands waiting keeps one: idle tasks then stay out of every commit.
            overdueCheck = context.schedule(OVERDUE_CHECK, PunctuationType.WALL_CLOCK_TIME, timestamp -> commitIfDue());
        }
        // A SYNC changes nothing, so a repeat is answered afresh, with the revision it finds now.
        Reply earlier = command.getNewRequestId() || command.getType() == CommandType.SYNC
                ? null : processed.find(command.getRequestId(), now);
        if (earlier != null) {
            LOG.debug("Request {} already processed; repeating its reply", command.getRequestId());
            processed.remember(command.getRequestId(), earlier, now);
        } else {
            apply(command, now);
        }
        if (command.getCommitNow() && !stale
                && pacer.answersLatestCommit(command.getStore(), command.getAnsweredRevision())) {
            pacer.batchComplete();
        }
        commitIfDue();
    }

    private void commitIfDue() {
        CommitPacer pacer = CommitPacer.forCurrentThread();
        if (pacer.due(System.nanoTime(), quietNanos, longestWaitNanos)) {
            commit();
        } else if (!pacer.open()) {
            // Another task of this thread asked for the commit, which took this task's commands too.
            stopOverdueCheck();
        }
    }

    /** Asks for the thread's transaction to commit after this record; it holds every task's commands. */
    private void commit() {
        CommitPacer.forCurrentThread().committing();
        context.commit();
        stopOverdueCheck();
    }

    private void stopOverdueCheck() {
        if (overdueCheck != null) {
            overdueCheck.cancel();
            overdueCheck = null;
        }
    }

    private void apply(Command command, long now) {
        long wallClock = context.currentSystemTimeMs();
        List<CommandOutcome> outcomes = switch (command.getType()) {
            case CREATE_STORE -> List.of(registry.create(command, now));
            case DELETE_STORE -> List.of(deleteStore(command, now));
            case RELEASE_STORE_NAME -> List.of(registry.releaseName(command));
            case TXN -> List.of(txns.apply(command, wallClock));
            case SYNC -> List.of(sync(command));
            case LEASE_GRANT -> List.of(leases.grant(command, wallClock));
            case LEASE_REVOKE -> withFreedLocks(leases.revoke(command), wallClock);
            case LOCK_ACQUIRE -> List.of(locks.acquire(command, wallClock,
                    context.recordMetadata().map(m -> m.offset()).orElseThrow()));
            case LOCK_RELEASE -> locks.release(command, wallClock);
            default -> List.of(CommandOutcome.of(Replies.invalid(command, 0, "unknown command type " + command.getType())));
        };
        outcomes.forEach(outcome -> record(outcome, now));
        if (command.getType() == CommandType.LEASE_GRANT || command.getType() == CommandType.LOCK_ACQUIRE
                || command.getType() == CommandType.LOCK_RELEASE) {
            expiry.runIfNeeded(context);
        }
    }

    /** The outcome of a lease's end, then the grants of the locks it freed to their next waiters. */
    private List<CommandOutcome> withFreedLocks(CommandOutcome leaseEnded, long wallClock) {
        List<CommandOutcome> outcomes = new ArrayList<>();
        outcomes.add(leaseEnded);
        outcomes.addAll(locks.lockKeysDeleted(leaseEnded, wallClock));
        return outcomes;
    }

    /** Leaves the outcome's reply in the dedupe memory (and so on the replies topic) and forwards its changes. */
    private void record(CommandOutcome outcome, long timestamp) {
        processed.remember(outcome.reply().getRequestId(), outcome.reply(), timestamp);
        CommitPacer.forCurrentThread().applied(outcome.reply().getStore(), outcome.reply().getRevision());
        int index = 0;
        for (CommandOutcome.Change change : outcome.changes()) {
            forwardChange(change, index++, outcome.changes().size(), timestamp);
        }
    }

    private CommandOutcome deleteStore(Command command, long now) {
        CommandOutcome outcome = registry.delete(command, now);
        leases.deleteStore(command.getStore());
        locks.deleteStore(command.getStore());
        return outcome;
    }

    /**
     * Writes the expiry of leases whose deadline passed, each at its own revision, and commits at
     * once: no client command is waiting to carry these writes out.
     */
    private void expire(List<LeaseId> due) {
        long now = context.currentSystemTimeMs();
        CommitPacer.forCurrentThread().arrived(System.nanoTime());
        for (LeaseId lease : due) {
            CommandOutcome outcome = leases.expire(lease);
            LOG.debug("Lease {} of store {} expired", lease.id(), lease.store());
            // An expiry that deleted no key leaves the revision where it was: nothing to tell the gateways.
            if (outcome != null && !outcome.changes().isEmpty()) {
                withFreedLocks(outcome, now).forEach(o -> record(o, now));
            }
        }
        commit();
    }

    /** A read barrier: its reply, read committed, proves every earlier command of the store committed. */
    private CommandOutcome sync(Command command) {
        StoreMeta meta = registry.get(command.getStore());
        return CommandOutcome.of(meta == null ? Replies.notFound(command)
                : Replies.of(command, Status.OK, meta.getRevision()).build());
    }

    private void forwardChange(CommandOutcome.Change change, int index, int batchSize, long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        ChangeHeaders.put(headers, ChangeHeaders.STORE, change.store());
        ChangeHeaders.put(headers, ChangeHeaders.TYPE, change.type());
        ChangeHeaders.put(headers, ChangeHeaders.REVISION, change.revision());
        if (change.lease() != 0) {
            ChangeHeaders.put(headers, ChangeHeaders.LEASE, change.lease());
        }
        if (change.deletedValue() != null) {
            headers.add(ChangeHeaders.PREV_VALUE, change.deletedValue());
        }
        if (change.cause() != null) {
            ChangeHeaders.put(headers, ChangeHeaders.CAUSE, change.cause());
        }
        ChangeHeaders.put(headers, ChangeHeaders.BATCH_SIZE, batchSize);
        ChangeHeaders.put(headers, ChangeHeaders.BATCH_INDEX, index);
        context.forward(new Record<>(change.key(), change.value(), timestamp, headers), DkvTopology.CHANGES_SINK);
    }
}
