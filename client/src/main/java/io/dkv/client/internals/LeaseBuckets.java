package io.dkv.client.internals;

import io.dkv.client.lease.Lease;
import io.dkv.client.lease.Leases;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Leases shared by cache entries of one TTL: a lease is used for a tenth of its TTL and then
 * replaced, so an entry attached to it lives between 90 % and 100 % of the TTL and a client holds at
 * most about ten leases per TTL, however many entries it writes. The leases are never refreshed.
 * Thread-safe.
 */
final class LeaseBuckets {
    private record Bucket(CompletableFuture<Lease> lease, long grantedAt, long ttlNanos) {
        boolean usable(long now) {
            return !lease.isCompletedExceptionally() && now - grantedAt < ttlNanos / 10;
        }
    }

    private final Leases leases;
    private final ConcurrentHashMap<Duration, Bucket> buckets = new ConcurrentHashMap<>();

    LeaseBuckets(Leases leases) {
        this.leases = leases;
    }

    /** The id of a lease that ends between 90 % and 100 % of {@code ttl} from now. */
    CompletableFuture<Long> leaseFor(Duration ttl) {
        long now = System.nanoTime();
        Bucket bucket = buckets.compute(ttl, (t, current) -> current != null && current.usable(now) ? current
                : new Bucket(leases.grantAsync(t), now, t.toNanos()));
        return bucket.lease().thenApply(Lease::id);
    }
}
