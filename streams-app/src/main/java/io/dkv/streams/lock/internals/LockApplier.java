package io.dkv.streams.lock.internals;

import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.Command;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.Lease;
import io.dkv.schemas.LeaseRequest;
import io.dkv.schemas.Lock;
import io.dkv.schemas.LockHandle;
import io.dkv.schemas.LockRequest;
import io.dkv.schemas.LockState;
import io.dkv.schemas.LockWaiter;
import io.dkv.schemas.Op;
import io.dkv.schemas.OpType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.schemas.StoreMeta;
import io.dkv.schemas.Txn;
import io.dkv.streams.internals.CommandOutcome;
import io.dkv.streams.internals.Replies;
import io.dkv.streams.kv.internals.TxnApplier;
import io.dkv.streams.lease.internals.LeaseApplier;
import io.dkv.streams.lease.internals.LeaseStore;
import io.dkv.streams.lock.LockKeys;
import io.dkv.streams.lock.LockLimits;
import io.dkv.streams.lock.LockRows.Waiting;
import io.dkv.streams.store.internals.StoreRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Utils;

/**
 * Acquires and releases the locks of the DKV stores of one task, and hands a freed lock to the
 * first caller still waiting for it.
 *
 * <p>A lock lives as long as its lease: its own (granted with it from the acquire's TTL, revoked when
 * it is released) or one the caller holds (so one keep-alive holds many locks). A grant puts the
 * key's lock key ({@link LockKeys}) at a new revision, attached to the lease; that revision is the
 * grant's fencing token, so tokens of a key strictly increase across releases, expiries, task
 * moves and restarts (the revision lives in the logged meta state). A release deletes the lock key;
 * the lease's end (revoke or expiry) deletes it like any key of the lease, and
 * {@link #lockKeysDeleted} frees the locks it ended.
 *
 * <p>Waiters queue per key in command order. A freed lock goes to the first waiter whose wait has
 * not ended, in its own outcome at its own revision, answered under the request id
 * {@link #GRANT_REQUEST_PREFIX} + the waiter's request id, which its gateway awaits. Used only from
 * the task's stream thread.
 */
public final class LockApplier {
    /** The request id under which a waiter's grant is answered: this, then the request id of its acquire. */
    public static final String GRANT_REQUEST_PREFIX = "lock-granted:";

    private final StoreRegistry registry;
    private final TxnApplier txns;
    private final LeaseApplier leaseApplier;
    private final LeaseStore leases;
    private final LockStore locks;
    private final LockLimits limits;

    public LockApplier(StoreRegistry registry, TxnApplier txns, LeaseApplier leaseApplier, LeaseStore leases, LockStore locks,
            LockLimits limits) {
        this.registry = registry;
        this.txns = txns;
        this.leaseApplier = leaseApplier;
        this.leases = leases;
        this.locks = locks;
        this.limits = limits;
    }

    /**
     * LOCK_ACQUIRE at {@code nowMs} (the task's wall clock): grants a free lock; a held one is refused
     * with LOCKED, or, with a wait, queues the caller ({@code sequence} orders the queue).
     */
    public CommandOutcome acquire(Command command, long nowMs, long sequence) {
        String store = command.getStore();
        StoreMeta meta = registry.get(store);
        if (meta == null) {
            return CommandOutcome.of(Replies.notFound(command));
        }
        LockRequest request = command.getLock();
        String problem = problem(request);
        if (problem != null) {
            return CommandOutcome.of(Replies.invalid(command, meta.getRevision(), problem));
        }
        byte[] key = Utils.toArray(request.getKey());
        if (LockKeys.isLockKey(key)) {
            return CommandOutcome.of(Replies.refused(command, Status.INVALID, "RESERVED_KEY", meta.getRevision(),
                    "keys under " + LockKeys.PREFIX + " show locks and cannot be locked themselves"));
        }
        Lock holder = locks.holder(store, key);
        if (holder == null) {
            return grant(command, command.getRequestId(), store, key, request.getTtlMs(), request.getLease(), request.getNonce(), nowMs);
        }
        LockState held = locks.state(store, holder, nowMs);
        if (request.getWaitMs() <= 0) {
            return CommandOutcome.of(locked(command, meta.getRevision(), held, "the lock is held until about "
                    + held.getExpiresAtMs() + " (epoch ms) unless its holder refreshes it; wait for it with waitMs"));
        }
        if (request.getTtlMs() == 0 && leases.get(store, request.getLease()) == null) {
            return CommandOutcome.of(LeaseApplier.notFound(command, meta.getRevision(), request.getLease()));
        }
        int queued = locks.waiters(store, key, limits.maxWaitersPerLock()).size();
        if (queued >= limits.maxWaitersPerLock()) {
            return CommandOutcome.of(Replies.refused(command, Status.INVALID, "TOO_MANY_WAITERS", meta.getRevision(),
                    queued + " callers wait for this lock, the most --max-waiters-per-lock allows; try again later"));
        }
        locks.enqueue(store, key, sequence, LockWaiter.newBuilder().setRequestId(command.getRequestId())
                .setNonce(request.getNonce()).setTtlMs(request.getTtlMs()).setLease(request.getLease())
                .setWaitUntilMs(nowMs + request.getWaitMs()).build());
        held.setQueued(true);
        held.setWaiters(queued + 1);
        return CommandOutcome.of(Replies.of(command, Status.OK, meta.getRevision()).setLock(held).build());
    }

    /**
     * LOCK_RELEASE: with a handle, releases the lock if the handle is the holder's and alive (else
     * LOCKED); with the request id of a waiting acquire, takes that waiter out of the queue, or releases
     * the lock if it was granted to it meanwhile. A freed lock goes to the next waiter.
     *
     * @return the command's outcome first, then the grant that followed, if any
     */
    public List<CommandOutcome> release(Command command, long nowMs) {
        String store = command.getStore();
        StoreMeta meta = registry.get(store);
        LockRequest request = command.getLock();
        if (meta == null) {
            return List.of(CommandOutcome.of(Replies.notFound(command)));
        }
        if (request == null || !request.getKey().hasRemaining() || (request.getHandle() == null) == (request.getAcquireRequestId() == null)) {
            return List.of(CommandOutcome.of(Replies.invalid(command, meta.getRevision(), "a release needs a key and either a handle or an acquire's request id")));
        }
        byte[] key = Utils.toArray(request.getKey());
        Lock holder = locks.holder(store, key);
        if (request.getHandle() != null) {
            LockHandle handle = request.getHandle();
            if (holder == null || !locks.valid(store, holder, handle, nowMs)) {
                return List.of(CommandOutcome.of(locked(command, meta.getRevision(), holder == null ? null : locks.state(store, holder, nowMs),
                        "the handle is not the current holder's: its lock was released or expired, or it is another key's")));
            }
            return end(command, key, holder, nowMs);
        }
        String acquire = request.getAcquireRequestId();
        for (Waiting waiting : locks.waiters(store, key, Integer.MAX_VALUE)) {
            if (waiting.waiter().getRequestId().equals(acquire)) {
                locks.dequeue(waiting);
                return List.of(CommandOutcome.of(Replies.of(command, Status.OK, meta.getRevision()).build()));
            }
        }
        if (holder != null && holder.getRequestId().equals(acquire)) {
            return end(command, key, holder, nowMs);
        }
        return List.of(CommandOutcome.of(Replies.of(command, Status.OK, meta.getRevision()).build()));
    }

    /**
     * After an outcome deleted lock keys (a lease's revoke or expiry, a release): frees the locks they
     * showed and grants each to its next waiter.
     *
     * @return the grants (and refusals of waiters whose lease is gone), each at its own revision
     */
    public List<CommandOutcome> lockKeysDeleted(CommandOutcome outcome, long nowMs) {
        List<CommandOutcome> grants = new ArrayList<>();
        for (CommandOutcome.Change change : outcome.changes()) {
            if (change.value() == null && LockKeys.isLockKey(change.key())) {
                byte[] key = LockKeys.userKey(change.key());
                locks.free(change.store(), key);
                grantNext(change.store(), key, nowMs, grants);
            }
        }
        return grants;
    }

    /** The store was deleted: its locks and queues go (its keys, lock keys included, went with it). */
    public void deleteStore(String store) {
        locks.deleteStore(store);
    }

    /** Releases the holder's lock for {@code command}: its own lease is revoked, a shared lease only loses the lock key. */
    private List<CommandOutcome> end(Command command, byte[] key, Lock holder, long nowMs) {
        CommandOutcome ended = holder.getOwnLease()
                ? leaseApplier.end(command, holder.getLease(), ChangeHeaders.CAUSE_LOCK_RELEASED)
                : txns.applyLockKeys(txn(command, command.getRequestId(), Op.newBuilder().setType(OpType.DELETE)
                        .setKey(ByteBuffer.wrap(LockKeys.lockKey(key))).build()), ChangeHeaders.CAUSE_LOCK_RELEASED);
        List<CommandOutcome> outcomes = new ArrayList<>();
        outcomes.add(ended);
        outcomes.addAll(lockKeysDeleted(ended, nowMs));
        return outcomes;
    }

    private void grantNext(String store, byte[] key, long nowMs, List<CommandOutcome> grants) {
        for (Waiting waiting : locks.waiters(store, key, Integer.MAX_VALUE)) {
            locks.dequeue(waiting);
            LockWaiter waiter = waiting.waiter();
            if (waiter.getWaitUntilMs() < nowMs) {
                continue;
            }
            Command acquire = Command.newBuilder().setRequestId(waiter.getRequestId()).setStore(store).setType(CommandType.LOCK_ACQUIRE)
                    .build();
            CommandOutcome outcome = grant(acquire, GRANT_REQUEST_PREFIX + waiter.getRequestId(), store, key, waiter.getTtlMs(),
                    waiter.getLease(), waiter.getNonce(), nowMs);
            grants.add(outcome);
            if (outcome.reply().getStatus() == Status.OK) {
                return;
            }
        }
    }

    /**
     * Grants the free lock on {@code key} to {@code acquire}, answering under {@code replyId}: grants
     * its own lease first when {@code ttlMs} is above 0, then puts the lock key on the lease.
     */
    private CommandOutcome grant(Command acquire, String replyId, String store, byte[] key, long ttlMs, long leaseId, long nonce,
            long nowMs) {
        Command answered = Command.newBuilder(acquire).setRequestId(replyId).build();
        boolean ownLease = ttlMs > 0;
        if (ownLease) {
            CommandOutcome granted = leaseApplier.grant(Command.newBuilder(answered).setType(CommandType.LEASE_GRANT)
                    .setLease(LeaseRequest.newBuilder().setId(leaseId).setTtlMs(ttlMs).build()).build(), nowMs);
            if (granted.reply().getStatus() != Status.OK) {
                return granted;
            }
        }
        Lease lease = leases.get(store, leaseId);
        if (lease == null || leases.remainingMs(store, leaseId, nowMs) <= 0) {
            StoreMeta meta = registry.get(store);
            return CommandOutcome.of(LeaseApplier.notFound(answered, meta.getRevision(), leaseId));
        }
        long token = registry.get(store).getRevision() + 1;
        String shown = "{\"fencingToken\":" + token + ",\"lease\":\"" + leaseId + "\",\"ttlMs\":" + lease.getTtlMs()
                + ",\"acquiredAtMs\":" + nowMs + "}";
        CommandOutcome put = txns.applyLockKeys(txn(answered, replyId, Op.newBuilder().setType(OpType.PUT)
                .setKey(ByteBuffer.wrap(LockKeys.lockKey(key))).setValue(ByteBuffer.wrap(shown.getBytes(StandardCharsets.UTF_8)))
                .setLease(leaseId).build()), null);
        if (put.reply().getStatus() != Status.OK) {
            // A shared lease at --max-keys-per-lease; an own lease is new and holds nothing.
            return put;
        }
        Lock holder = Lock.newBuilder().setFencingToken(put.reply().getRevision()).setNonce(nonce).setLease(leaseId)
                .setOwnLease(ownLease).setTtlMs(lease.getTtlMs()).setAcquiredAtMs(nowMs).setRequestId(acquire.getRequestId()).build();
        locks.hold(store, key, holder);
        LockState state = locks.state(store, holder, nowMs);
        state.setNonce(nonce);
        Reply reply = Reply.newBuilder(put.reply()).setResults(List.of()).setLock(state).build();
        return new CommandOutcome(reply, put.changes());
    }

    private static Command txn(Command command, String requestId, Op op) {
        return Command.newBuilder(command).setRequestId(requestId).setType(CommandType.TXN).setLock(null)
                .setTxn(Txn.newBuilder().setSuccess(List.of(op)).build()).build();
    }

    private static Reply locked(Command command, long revision, LockState holder, String message) {
        return Replies.of(command, Status.CONFLICT, revision).setCode("LOCKED").setMessage(message).setLock(holder).build();
    }

    /** @return why the acquire is malformed, or null */
    private static String problem(LockRequest request) {
        if (request == null || !request.getKey().hasRemaining()) {
            return "an acquire needs a key";
        }
        if (request.getLease() <= 0 || request.getTtlMs() < 0 || request.getWaitMs() < 0) {
            return "an acquire needs a positive lease id, and a TTL and wait that are not negative";
        }
        return null;
    }
}
