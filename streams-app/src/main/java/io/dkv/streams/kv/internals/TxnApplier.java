package io.dkv.streams.kv.internals;

import io.dkv.schemas.Command;
import io.dkv.schemas.Compare;
import io.dkv.schemas.CompareOp;
import io.dkv.schemas.CompareTarget;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.KeyValue;
import io.dkv.schemas.Lease;
import io.dkv.schemas.Lock;
import io.dkv.schemas.Op;
import io.dkv.schemas.OpResult;
import io.dkv.schemas.OpType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.schemas.StoreMeta;
import io.dkv.schemas.Txn;
import io.dkv.streams.StoreKeys;
import io.dkv.streams.internals.CommandOutcome;
import io.dkv.streams.internals.CommandOutcome.Change;
import io.dkv.streams.internals.Replies;
import io.dkv.streams.lease.LeaseLimits;
import io.dkv.streams.lease.internals.LeaseApplier;
import io.dkv.streams.lease.internals.LeaseStore;
import io.dkv.streams.lock.LockKeys;
import io.dkv.streams.lock.internals.LockStore;
import io.dkv.streams.store.internals.StoreRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Applies a transaction (compare → success ops / failure ops) to one DKV store, the way etcd does:
 * all writes of the chosen branch happen at one new revision; a branch that changes nothing
 * (only gets, or deletes of absent keys) leaves the revision where it was.
 *
 * <p>Order of writes matters for readers on other threads (interactive queries): the store's
 * new revision is written to the meta store before any key, so a reader that sees a key at
 * revision r and then reads the meta revision sees at least r.
 *
 * <p>A put with a lease attaches its key to that lease, which must exist in the store (else the
 * whole transaction is refused with LEASE_NOT_FOUND); a put without one, or a delete, detaches the
 * key from the lease it had, as in etcd.
 *
 * <p>A put or delete of a key whose lock is held must carry the holder's handle ({@code Op.lock}),
 * and any op that carries a handle must carry the current one (with its lease alive), else the
 * whole transaction is refused with LOCKED: one point read of the locks state per key the chosen
 * branch writes. Clients cannot write the lock keys ({@link LockKeys}); the lock applier writes
 * them through {@link #applyLockKeys}. Used only from the stream thread.
 */
public final class TxnApplier {
    private static final ByteBuffer NO_VALUE = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final StoreRegistry registry;
    private final KeyValueStore<Bytes, byte[]> kv;
    private final LeaseStore leases;
    private final LeaseLimits leaseLimits;
    private final LockStore locks;

    public TxnApplier(StoreRegistry registry, KeyValueStore<Bytes, byte[]> kv, LeaseStore leases, LeaseLimits leaseLimits,
            LockStore locks) {
        this.registry = registry;
        this.kv = kv;
        this.leases = leases;
        this.leaseLimits = leaseLimits;
        this.locks = locks;
    }

    /** A client's transaction, checked against the locks at {@code nowMs} (the task's wall clock). */
    public CommandOutcome apply(Command command, long nowMs) {
        return apply(command, nowMs, false, null);
    }

    /**
     * A transaction of the lock applier on the lock keys: not checked against locks, and its deletes
     * carry {@code cause} on their tombstones.
     */
    public CommandOutcome applyLockKeys(Command command, String cause) {
        return apply(command, 0, true, cause);
    }

    private CommandOutcome apply(Command command, long nowMs, boolean lockKeys, String cause) {
        String store = command.getStore();
        StoreMeta meta = registry.get(store);
        if (meta == null) {
            return CommandOutcome.of(Replies.notFound(command));
        }
        Txn txn = command.getTxn();
        if (txn == null) {
            return CommandOutcome.of(Replies.invalid(command, meta.getRevision(), "TXN command without a transaction"));
        }
        String problem = validate(txn);
        if (problem != null) {
            return CommandOutcome.of(Replies.invalid(command, meta.getRevision(), problem));
        }
        if (!lockKeys && writesLockKey(txn)) {
            return CommandOutcome.of(Replies.refused(command, Status.INVALID, "RESERVED_KEY", meta.getRevision(),
                    "keys under " + LockKeys.PREFIX + " show the store's locks and only DKV writes them; use another key"));
        }
        Map<ByteBuffer, KeyValue> readBefore = new HashMap<>();
        boolean succeeded = txn.getCompare().stream().allMatch(c -> holds(c, readBefore(store, c.getKey(), readBefore)));
        List<Op> ops = succeeded ? txn.getSuccess() : txn.getFailure();

        // Each written key as it was before the transaction (null for a GET, which reads later).
        List<KeyValue> before = new ArrayList<>(ops.size());
        long keyDelta = 0;
        boolean changes = false;
        for (Op op : ops) {
            KeyValue entry = op.getType() == OpType.GET ? null : readBefore(store, op.getKey(), readBefore);
            before.add(entry);
            boolean exists = entry != null;
            if (op.getType() == OpType.PUT) {
                changes = true;
                keyDelta += exists ? 0 : 1;
            } else if (op.getType() == OpType.DELETE && exists) {
                changes = true;
                keyDelta -= 1;
            }
        }
        CommandOutcome refused = lockKeys ? null : checkLocks(command, meta, ops, nowMs);
        if (refused == null) {
            refused = checkLeases(command, meta, ops, before);
        }
        if (refused != null) {
            return refused;
        }
        long revision = changes ? meta.getRevision() + 1 : meta.getRevision();
        if (changes) {
            registry.put(store, StoreMeta.newBuilder(meta).setRevision(revision)
                    .setKeyCount(meta.getKeyCount() + keyDelta).build());
        }

        List<OpResult> results = new ArrayList<>(ops.size());
        List<Change> changeRecords = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            byte[] key = bytes(op.getKey());
            Bytes storeKey = StoreKeys.key(store, key);
            // A branch writes a key at most once, so a write's key is as it was before the
            // transaction; a GET may follow a write of its key and must see it.
            KeyValue previous = op.getType() == OpType.GET ? read(store, key) : before.get(i);
            OpResult.Builder result = OpResult.newBuilder().setType(op.getType()).setKey(op.getKey());
            switch (op.getType()) {
                case PUT -> {
                    KeyValue current = KeyValue.newBuilder()
                            .setValue(op.getValue())
                            .setCreateRevision(previous == null ? revision : previous.getCreateRevision())
                            .setModRevision(revision)
                            .setVersion(previous == null ? 1 : previous.getVersion() + 1)
                            .setLease(op.getLease())
                            .build();
                    kv.put(storeKey, DkvCodec.KEY_VALUE.encode(current));
                    moveLease(store, key, previous == null ? 0 : previous.getLease(), op.getLease());
                    result.setCurrent(revisionsOf(current)).setPrevious(revisionsOf(previous));
                    changeRecords.add(new Change(store, key, DkvCodec.CHANGE_EVENT.encode(ChangeEvents.put(current, previous)),
                            "PUT", revision, current.getLease(), null));
                }
                case DELETE -> {
                    if (previous != null) {
                        kv.delete(storeKey);
                        moveLease(store, key, previous.getLease(), 0);
                        changeRecords.add(new Change(store, key, null, "DELETE", revision, previous.getLease(),
                                bytes(previous.getValue()), cause));
                    }
                    result.setPrevious(revisionsOf(previous));
                }
                default -> result.setCurrent(previous);
            }
            results.add(result.build());
        }
        return new CommandOutcome(Replies.of(command, Status.OK, revision)
                .setSucceeded(succeeded).setResults(results).build(), changeRecords);
    }

    private static boolean writesLockKey(Txn txn) {
        return List.of(txn.getSuccess(), txn.getFailure()).stream().flatMap(List::stream)
                .anyMatch(op -> op.getType() != OpType.GET && LockKeys.isLockKey(bytes(op.getKey())));
    }

    /**
     * Checks the branch's ops against the keys' locks: a write of a locked key needs the holder's
     * handle, and an op that gives a handle needs the current one, whose lease lives at {@code nowMs}.
     *
     * @return the LOCKED refusal, with the holder (if any) but never its handle, or null when the branch may run
     */
    private CommandOutcome checkLocks(Command command, StoreMeta meta, List<Op> ops, long nowMs) {
        String store = command.getStore();
        for (Op op : ops) {
            if (op.getType() == OpType.GET && op.getLock() == null) {
                continue;
            }
            byte[] key = bytes(op.getKey());
            Lock holder = locks.holder(store, key);
            String problem;
            if (holder == null) {
                problem = op.getLock() == null ? null : "the handle is no longer valid: the key's lock was released or expired";
            } else if (op.getLock() == null) {
                problem = "the key is locked; pass the holder's handle (DKV-Lock, or a transaction op's \"lock\")";
            } else if (!locks.valid(store, holder, op.getLock(), nowMs)) {
                problem = "the handle is not the current holder's: its lock was released or expired, or it is another key's";
            } else {
                problem = null;
            }
            if (problem != null) {
                Reply.Builder reply = Replies.of(command, Status.CONFLICT, meta.getRevision()).setCode("LOCKED")
                        .setMessage(problem);
                if (holder != null) {
                    reply.setLock(locks.state(store, holder, nowMs));
                }
                return CommandOutcome.of(reply.build());
            }
        }
        return null;
    }

    /**
     * Checks the leases the branch's puts name: each must exist, and stay within its key limit.
     *
     * @return the refusal, or null when the branch may run
     */
    private CommandOutcome checkLeases(Command command, StoreMeta meta, List<Op> ops, List<KeyValue> before) {
        Map<Long, Lease> attachedTo = new HashMap<>();
        Map<Long, Long> added = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op.getType() != OpType.PUT || op.getLease() == 0) {
                continue;
            }
            Lease lease = attachedTo.computeIfAbsent(op.getLease(), id -> leases.get(command.getStore(), id));
            if (lease == null) {
                return CommandOutcome.of(LeaseApplier.notFound(command, meta.getRevision(), op.getLease()));
            }
            KeyValue previous = before.get(i);
            if (previous == null || previous.getLease() != op.getLease()) {
                long count = added.merge(op.getLease(), 1L, Long::sum);
                if (lease.getKeyCount() + count > leaseLimits.maxKeysPerLease()) {
                    return CommandOutcome.of(Replies.refused(command, Status.INVALID, "TOO_MANY_KEYS_ON_LEASE", meta.getRevision(),
                            "lease " + op.getLease() + " holds " + lease.getKeyCount() + " keys and may hold "
                                    + leaseLimits.maxKeysPerLease() + " (--max-keys-per-lease)"));
                }
            }
        }
        return null;
    }

    /** Moves the key's attachment from lease {@code from} to lease {@code to} (0: none). */
    private void moveLease(String store, byte[] key, long from, long to) {
        if (from == to) {
            return;
        }
        if (from != 0) {
            leases.detach(store, from, key);
        }
        if (to != 0) {
            leases.attach(store, leases.get(store, to), key);
        }
    }

    /** @return why the transaction is malformed, or null if it is fine */
    static String validate(Txn txn) {
        for (Compare compare : txn.getCompare()) {
            if (!compare.getKey().hasRemaining()) {
                return "a compare clause has an empty key";
            }
            if (compare.getTarget() == CompareTarget.UNKNOWN || compare.getOp() == CompareOp.UNKNOWN) {
                return "a compare clause has an unknown target or operator";
            }
        }
        for (List<Op> branch : List.of(txn.getSuccess(), txn.getFailure())) {
            Set<ByteBuffer> written = new HashSet<>();
            for (Op op : branch) {
                if (!op.getKey().hasRemaining()) {
                    return "an operation has an empty key";
                }
                if (op.getType() == OpType.UNKNOWN) {
                    return "an operation has an unknown type";
                }
                if (op.getType() == OpType.PUT && op.getValue() == null) {
                    return "a put has no value";
                }
                if (op.getType() != OpType.GET && !written.add(op.getKey().duplicate())) {
                    return "a key is written more than once in one transaction branch";
                }
            }
        }
        return null;
    }

    static boolean holds(Compare compare, KeyValue entry) {
        int order;
        switch (compare.getTarget()) {
            case VALUE -> {
                if (entry == null || compare.getValue() == null) {
                    return false;
                }
                order = Integer.signum(Bytes.BYTES_LEXICO_COMPARATOR.compare(bytes(entry.getValue()), bytes(compare.getValue())));
            }
            case VERSION -> order = Long.compare(entry == null ? 0 : entry.getVersion(), compare.getNumber());
            case MOD_REVISION -> order = Long.compare(entry == null ? 0 : entry.getModRevision(), compare.getNumber());
            case CREATE_REVISION -> order = Long.compare(entry == null ? 0 : entry.getCreateRevision(), compare.getNumber());
            case LEASE -> order = Long.compare(entry == null ? 0 : entry.getLease(), compare.getNumber());
            default -> {
                return false;
            }
        }
        return switch (compare.getOp()) {
            case EQUAL -> order == 0;
            case NOT_EQUAL -> order != 0;
            case LESS -> order < 0;
            case GREATER -> order > 0;
            default -> false;
        };
    }

    /**
     * The entry without its value, for a PUT's or DELETE's result: the writer has the value it put,
     * the change topic carries both values, and leaving them out keeps them out of the reply and of
     * the dedupe entry that repeats it (two of the seven copies of a value a put used to send).
     */
    private static KeyValue revisionsOf(KeyValue entry) {
        return entry == null ? null : KeyValue.newBuilder(entry).setValue(NO_VALUE).build();
    }

    /**
     * The key as it was before the transaction, read from RocksDB once however many compare clauses
     * and writes name it (a compare-and-set names its key twice). Only valid before the first write.
     */
    private KeyValue readBefore(String store, ByteBuffer key, Map<ByteBuffer, KeyValue> seen) {
        if (seen.containsKey(key)) {
            return seen.get(key);
        }
        KeyValue entry = read(store, bytes(key));
        seen.put(key, entry);
        return entry;
    }

    private KeyValue read(String store, byte[] key) {
        byte[] bytes = kv.get(StoreKeys.key(store, key));
        return bytes == null ? null : DkvCodec.KEY_VALUE.decode(bytes);
    }

    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
