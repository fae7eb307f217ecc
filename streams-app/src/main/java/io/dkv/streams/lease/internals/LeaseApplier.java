package io.dkv.streams.lease.internals;

import io.dkv.schemas.ChangeHeaders;
import io.dkv.schemas.Command;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.KeyValue;
import io.dkv.schemas.Lease;
import io.dkv.schemas.LeaseRequest;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.schemas.StoreMeta;
import io.dkv.streams.StoreKeys;
import io.dkv.streams.internals.CommandOutcome;
import io.dkv.streams.internals.CommandOutcome.Change;
import io.dkv.streams.internals.Replies;
import io.dkv.streams.lease.LeaseLimits;
import io.dkv.streams.lease.LiveLeases.LeaseId;
import io.dkv.streams.store.internals.StoreRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Grants, revokes and expires leases of the DKV stores of one task. A grant changes no key and so
 * leaves the store's revision alone; a revoke or an expiry deletes every key attached to the lease
 * at one new revision, as ordinary tombstones marked with their cause ({@link ChangeHeaders#CAUSE}),
 * so watchers see departures like any other delete. Used only from the task's stream thread.
 */
public final class LeaseApplier {
    /** The request id of the reply an expiry leaves, so gateways learn the revision it reached. */
    static final String EXPIRY_REQUEST_PREFIX = "lease-expired:";

    private final StoreRegistry registry;
    private final KeyValueStore<Bytes, byte[]> kv;
    private final LeaseStore leases;
    private final LeaseLimits limits;

    public LeaseApplier(StoreRegistry registry, KeyValueStore<Bytes, byte[]> kv, LeaseStore leases, LeaseLimits limits) {
        this.registry = registry;
        this.kv = kv;
        this.leases = leases;
        this.limits = limits;
    }

    /**
     * LEASE_GRANT: records the lease, alive for its TTL from {@code nowMs} (the task's wall clock).
     * Refused with LEASE_EXISTS when the store has a lease of that id, TOO_MANY_LEASES at the limit.
     */
    public CommandOutcome grant(Command command, long nowMs) {
        String store = command.getStore();
        StoreMeta meta = registry.get(store);
        if (meta == null) {
            return CommandOutcome.of(Replies.notFound(command));
        }
        LeaseRequest request = command.getLease();
        if (request == null || request.getId() <= 0 || request.getTtlMs() <= 0) {
            return CommandOutcome.of(Replies.invalid(command, meta.getRevision(), "a lease grant needs a positive id and TTL"));
        }
        if (leases.get(store, request.getId()) != null) {
            return CommandOutcome.of(Replies.refused(command, Status.CONFLICT, "LEASE_EXISTS", meta.getRevision(),
                    "store " + store + " already has lease " + request.getId() + "; grant without an id to get a new one"));
        }
        if (leases.count(store) >= limits.maxLeasesPerStore()) {
            return CommandOutcome.of(Replies.refused(command, Status.INVALID, "TOO_MANY_LEASES", meta.getRevision(),
                    "store " + store + " has " + limits.maxLeasesPerStore() + " leases, its limit; revoke unused ones"
                            + " or raise --max-leases-per-store"));
        }
        Lease lease = Lease.newBuilder().setId(request.getId()).setTtlMs(request.getTtlMs()).setGrantedAtMs(nowMs)
                .setSpilled(false).build();
        leases.grant(store, lease, nowMs);
        return CommandOutcome.of(Replies.of(command, Status.OK, meta.getRevision()).setLease(lease).build());
    }

    /** LEASE_REVOKE: ends the lease now and deletes its keys. Refused with LEASE_NOT_FOUND when there is no such lease. */
    public CommandOutcome revoke(Command command) {
        return end(command, command.getLease() == null ? 0 : command.getLease().getId(), ChangeHeaders.CAUSE_LEASE_REVOKED);
    }

    /**
     * Ends lease {@code id} of the command's store now, deleting its keys with {@code cause} on their
     * tombstones, and answers the command. Refused with LEASE_NOT_FOUND when there is no such lease.
     */
    public CommandOutcome end(Command command, long id, String cause) {
        String store = command.getStore();
        StoreMeta meta = registry.get(store);
        if (meta == null) {
            return CommandOutcome.of(Replies.notFound(command));
        }
        Lease lease = leases.get(store, id);
        if (lease == null) {
            return CommandOutcome.of(notFound(command, meta.getRevision(), id));
        }
        List<Change> changes = new ArrayList<>();
        long revision = end(store, meta, lease, cause, changes);
        return new CommandOutcome(Replies.of(command, Status.OK, revision).build(), changes);
    }

    /**
     * Ends a lease whose deadline passed (already taken from the live deadlines) and deletes its
     * keys; its reply has no client waiting for it and tells gateways the revision reached.
     *
     * @return the outcome, or null if the lease is not in the rows (nothing to write)
     */
    public CommandOutcome expire(LeaseId id) {
        StoreMeta meta = registry.get(id.store());
        Lease lease = meta == null ? null : leases.get(id.store(), id.id());
        if (lease == null) {
            return null;
        }
        List<Change> changes = new ArrayList<>();
        long revision = end(id.store(), meta, lease, ChangeHeaders.CAUSE_LEASE_EXPIRED, changes);
        Reply reply = Reply.newBuilder().setRequestId(EXPIRY_REQUEST_PREFIX + id.store() + ":" + id.id())
                .setStore(id.store()).setStatus(Status.OK).setRevision(revision).setResults(List.of()).build();
        return new CommandOutcome(reply, changes);
    }

    /** The store was deleted: its leases end with it. */
    public void deleteStore(String store) {
        leases.deleteStore(store);
    }

    /** LEASE_NOT_FOUND for a put, a transaction or a revoke naming a lease the store does not have. */
    public static Reply notFound(Command command, long revision, long id) {
        return Replies.refused(command, Status.NOT_FOUND, "LEASE_NOT_FOUND", revision,
                "store " + command.getStore() + " has no lease " + id + " (it was never granted there, was revoked, or expired)");
    }

    /** Removes the lease and deletes its keys at one new revision; returns the store's revision after. */
    private long end(String store, StoreMeta meta, Lease lease, String cause, List<Change> changes) {
        List<byte[]> keys = leases.remove(store, lease);
        List<byte[]> present = new ArrayList<>(keys.size());
        List<KeyValue> entries = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            byte[] bytes = kv.get(StoreKeys.key(store, key));
            if (bytes != null) {
                present.add(key);
                entries.add(DkvCodec.KEY_VALUE.decode(bytes));
            }
        }
        if (present.isEmpty()) {
            return meta.getRevision();
        }
        long revision = meta.getRevision() + 1;
        // The revision first, as TxnApplier does, so a reader that sees a key gone sees the revision too.
        registry.put(store, StoreMeta.newBuilder(meta).setRevision(revision)
                .setKeyCount(meta.getKeyCount() - present.size()).build());
        for (int i = 0; i < present.size(); i++) {
            kv.delete(StoreKeys.key(store, present.get(i)));
            changes.add(new Change(store, present.get(i), null, "DELETE", revision, lease.getId(),
                    Utils.toArray(entries.get(i).getValue()), cause));
        }
        return revision;
    }
}
