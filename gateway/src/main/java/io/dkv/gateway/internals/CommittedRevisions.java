package io.dkv.gateway.internals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The newest revision of each store known to be committed, learnt from replies read with
 * {@code isolation.level=read_committed}. A store's replies share one partition (that of the task
 * that owns the store), so they arrive in commit order and the last one seen is the store's committed revision
 * (it can go down when a store is deleted and created again; a lower value only costs a wait).
 *
 * <p>Interactive queries can see writes of a transaction that is still open; a reader uses this
 * to hold back a value until the revision it belongs to has committed. Thread-safe.
 */
public final class CommittedRevisions {
    private final Map<String, Long> revisions = new HashMap<>();
    private final Map<String, List<Waiter>> waiters = new HashMap<>();

    private record Waiter(long revision, CompletableFuture<Void> future) {
    }

    /** Records that the store's revision {@code revision} has committed. */
    public void observe(String store, long revision) {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (this) {
            revisions.put(store, revision);
            List<Waiter> list = waiters.get(store);
            if (list != null) {
                for (Iterator<Waiter> it = list.iterator(); it.hasNext(); ) {
                    Waiter waiter = it.next();
                    if (waiter.revision() <= revision || waiter.future().isDone()) {
                        it.remove();
                        ready.add(waiter.future());
                    }
                }
                if (list.isEmpty()) {
                    waiters.remove(store);
                }
            }
        }
        ready.forEach(f -> f.complete(null));
    }

    private synchronized void forgetWaiter(String store, Waiter waiter) {
        List<Waiter> list = waiters.get(store);
        if (list != null && list.remove(waiter) && list.isEmpty()) {
            waiters.remove(store);
        }
    }

    /** Forgets a store, so the next read learns its revision afresh. */
    public synchronized void forget(String store) {
        revisions.remove(store);
    }

    public synchronized OptionalLong get(String store) {
        Long revision = revisions.get(store);
        return revision == null ? OptionalLong.empty() : OptionalLong.of(revision);
    }

    /**
     * @return a future completed once {@code revision} of the store has committed; the caller
     *     bounds the wait (for example with {@link CompletableFuture#orTimeout})
     */
    public CompletableFuture<Void> await(String store, long revision) {
        synchronized (this) {
            Long known = revisions.get(store);
            if (known == null || known < revision) {
                CompletableFuture<Void> future = new CompletableFuture<>();
                Waiter waiter = new Waiter(revision, future);
                waiters.computeIfAbsent(store, s -> new ArrayList<>()).add(waiter);
                // A caller that gives up (timeout) must not leave its waiter behind on an idle store.
                future.whenComplete((v, error) -> {
                    if (error != null) {
                        forgetWaiter(store, waiter);
                    }
                });
                return future;
            }
        }
        return CompletableFuture.completedFuture(null);
    }
}
