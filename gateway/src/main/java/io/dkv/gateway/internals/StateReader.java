package io.dkv.gateway.internals;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.KeyValue;
import io.dkv.schemas.Lease;
import io.dkv.schemas.Lock;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import io.dkv.schemas.StoreMeta;
import io.dkv.streams.StoreEntries;
import io.dkv.streams.StoreKeys;
import io.dkv.streams.StreamsNode;
import io.dkv.streams.lease.LeaseRows;
import io.dkv.streams.lock.LockRows;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads a store's state from the RocksDB stores of this instance (interactive queries) and never
 * returns state that might still be rolled back.
 *
 * <p>Interactive queries in Kafka 4.4 see the writes of the still-open exactly-once transaction.
 * So every read also takes the store's revision r after the query (the processor bumps the
 * revision before it writes keys, so the state read is at most r) and returns only once r is known
 * to be committed: at once when {@link CommittedRevisions} already says so, else after the reply
 * stream reaches r, else after a SYNC barrier through the log. Reprocessing after an abort
 * re-assigns the same revisions to the same commands, so a value read at a revision that then
 * commits is the committed value.
 *
 * <p>Queries run on Vert.x worker threads; the returned futures complete on the caller's context.
 * Thread-safe.
 */
public final class StateReader {
    private static final long RETRY_DELAY_MS = 20;
    private static final long REPLY_WAIT_MS = 250;

    private final Vertx vertx;
    private final StreamsNode node;
    private final CommandBus bus;
    private final Duration timeout;

    public StateReader(Vertx vertx, StreamsNode node, CommandBus bus, Duration timeout) {
        this.vertx = vertx;
        this.node = node;
        this.bus = bus;
        this.timeout = timeout;
    }

    /** The result of a query and the store revision it is consistent with. */
    public record Snapshot<T>(T value, long revision, StoreMeta meta) {
    }

    /** One key and its entry, as read from a store. */
    public record Entry(byte[] key, KeyValue entry) {
    }

    /** A page of a prefix listing; {@code more} says whether keys follow the last one. */
    public record Page(List<Entry> entries, boolean more) {
    }

    /** Read access to one DKV store inside the kv, leases and locks state stores of its partition. */
    public static final class View {
        private final String store;
        private final ReadOnlyKeyValueStore<Bytes, byte[]> kv;
        private final ReadOnlyKeyValueStore<Bytes, byte[]> leases;
        private final ReadOnlyKeyValueStore<Bytes, byte[]> locks;

        View(String store, ReadOnlyKeyValueStore<Bytes, byte[]> kv, ReadOnlyKeyValueStore<Bytes, byte[]> leases,
                ReadOnlyKeyValueStore<Bytes, byte[]> locks) {
            this.store = store;
            this.kv = kv;
            this.leases = leases;
            this.locks = locks;
        }

        /** @return the holder of the key's lock, or null when it is free */
        public Lock lock(byte[] key) {
            return LockRows.holder(locks, store, key);
        }

        /** How many callers wait for the key's lock, counting at most {@code limit}. */
        public int lockWaiters(byte[] key, int limit) {
            return LockRows.waiters(locks, store, key, limit).size();
        }

        /** @return the lease, or null if the store has none of that id */
        public Lease lease(long id) {
            return LeaseRows.get(leases, store, id);
        }

        /** The store's leases with an id above {@code afterId}, in id order. */
        public LeaseRows.Page leases(long afterId, int limit) {
            return LeaseRows.list(leases, store, afterId, limit);
        }

        /** The keys attached to the lease, in byte order, at most {@code limit}. */
        public List<byte[]> leaseKeys(Lease lease, int limit) {
            return LeaseRows.keys(leases, store, lease, limit);
        }

        public KeyValue get(byte[] key) {
            byte[] bytes = kv.get(StoreKeys.key(store, key));
            return bytes == null ? null : DkvCodec.KEY_VALUE.decode(bytes);
        }

        /** Keys starting with {@code prefix}, in byte order, after {@code startAfter} if not null. */
        public Page list(byte[] prefix, byte[] startAfter, int limit) {
            Bytes scope = StoreKeys.prefix(store, prefix);
            Bytes from = startAfter == null ? scope : StoreKeys.key(store, Arrays.copyOf(startAfter, startAfter.length + 1));
            List<Entry> entries = new ArrayList<>(Math.min(limit, 1024));
            try (KeyValueIterator<Bytes, byte[]> it = kv.range(from, null)) {
                while (it.hasNext()) {
                    var next = it.next();
                    if (!StoreKeys.hasPrefix(next.key, scope)) {
                        break;
                    }
                    if (entries.size() == limit) {
                        return new Page(entries, true);
                    }
                    entries.add(new Entry(StoreKeys.userKey(store, next.key), DkvCodec.KEY_VALUE.decode(next.value)));
                }
            }
            return new Page(entries, false);
        }
    }

    /**
     * Runs {@code query} against the store on {@code partition} (which must be active here) once
     * the local state has reached {@code minRevision}, and completes when what it read is committed.
     * Fails with {@link ApiException}: STORE_NOT_FOUND, UNAVAILABLE (partition restoring or moved
     * for longer than the timeout), TIMEOUT ({@code minRevision} not reached in time).
     */
    public <T> Future<Snapshot<T>> read(String store, int partition, long minRevision, Function<View, T> query) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Promise<Snapshot<T>> promise = Promise.promise();
        attempt(store, partition, minRevision, query, deadline, promise);
        return promise.future();
    }

    private <T> void attempt(String store, int partition, long minRevision, Function<View, T> query, long deadline,
            Promise<Snapshot<T>> promise) {
        vertx.executeBlocking(() -> readOnce(store, partition, query), false).onComplete(ar -> {
            if (ar.failed()) {
                if (ar.cause() instanceof InvalidStateStoreException && System.nanoTime() < deadline) {
                    vertx.setTimer(RETRY_DELAY_MS, t -> attempt(store, partition, minRevision, query, deadline, promise));
                } else if (ar.cause() instanceof InvalidStateStoreException) {
                    promise.fail(new ApiException(ErrorCode.UNAVAILABLE,
                            "store " + store + " is moving between DKV instances or restoring; retry shortly"));
                } else {
                    promise.fail(ar.cause());
                }
                return;
            }
            Snapshot<T> snapshot = ar.result();
            if (snapshot.revision() < minRevision) {
                awaitCommitted(store, minRevision, deadline).onComplete(done -> {
                    if (System.nanoTime() >= deadline) {
                        promise.fail(new ApiException(ErrorCode.TIMEOUT, "store " + store + " has not reached revision "
                                + minRevision + " (it is at " + snapshot.revision() + ")"));
                    } else {
                        attempt(store, partition, minRevision, query, deadline, promise);
                    }
                });
                return;
            }
            awaitCommitted(store, snapshot.revision(), deadline).map(snapshot).onComplete(promise);
        });
    }

    private <T> Snapshot<T> readOnce(String store, int partition, Function<View, T> query) {
        ReadOnlyKeyValueStore<String, byte[]> metaStore = node.metaStore(partition);
        // The store's entry is read once, after the query, so that its revision bounds what the
        // query saw. A store that does not exist has no rows to read, and its missing entry then says
        // so: a check before the query would only cost one more lookup of the partition's stores,
        // which Streams makes on every get (three of them took 23 % of DKV's CPU under 64-client gets).
        T value = query.apply(new View(store, node.kvStore(partition), node.leasesStore(partition), node.locksStore(partition)));
        StoreMeta meta = StoreEntries.liveStore(metaStore.get(store));
        if (meta == null) {
            throw storeNotFound(store);
        }
        return new Snapshot<>(value, meta.getRevision(), meta);
    }

    /** Completes once {@code revision} of the store is known committed; falls back to a SYNC barrier. */
    private Future<Void> awaitCommitted(String store, long revision, long deadline) {
        CommittedRevisions committed = bus.committedRevisions();
        if (committed.get(store).isPresent() && committed.get(store).getAsLong() >= revision) {
            return Future.succeededFuture();
        }
        long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        Duration remaining = Duration.ofMillis(remainingMs);
        // Replies normally reach the revision within one commit; if they stall (the store went
        // idle after a retried command replayed an older reply), a SYNC settles it.
        long replyWaitMs = Math.min(remainingMs, REPLY_WAIT_MS);
        Future<Void> fromReplies = committed.get(store).isPresent()
                ? Future.fromCompletionStage(committed.await(store, revision).orTimeout(replyWaitMs, TimeUnit.MILLISECONDS), vertx.getOrCreateContext())
                : Future.failedFuture("no committed revision known yet");
        return fromReplies.recover(e -> Future.fromCompletionStage(bus.sync(store, remaining), vertx.getOrCreateContext())
                .transform(ar -> {
                    if (ar.failed()) {
                        return Future.failedFuture(new ApiException(ErrorCode.TIMEOUT,
                                "could not confirm that revision " + revision + " of store " + store + " committed"));
                    }
                    Reply reply = ar.result();
                    if (reply.getStatus() == Status.NOT_FOUND) {
                        return Future.failedFuture(storeNotFound(store));
                    }
                    return Future.succeededFuture();
                }));
    }

    static ApiException storeNotFound(String store) {
        return new ApiException(ErrorCode.STORE_NOT_FOUND, "store " + store + " does not exist; create it with PUT /v1/stores/" + store);
    }
}
