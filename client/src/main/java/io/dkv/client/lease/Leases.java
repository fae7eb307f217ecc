package io.dkv.client.lease;

import io.dkv.client.internals.Blocking;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The leases of one store. Keep-alives of all leases run on one scheduler thread of the client and
 * travel together: one request refreshes every lease that is due. Thread-safe; futures fail with
 * {@link io.dkv.client.DkvException} only for failures (a TTL out of range is {@code TTL_OUT_OF_RANGE}).
 */
public interface Leases {

    CompletableFuture<Lease> grantAsync(Duration ttl);

    /** With an id of the caller's choosing; one taken already fails with code {@code LEASE_EXISTS}. */
    CompletableFuture<Lease> grantAsync(Duration ttl, long id);

    /** Keeps the lease for another full TTL: the remaining TTL in ms, or empty when DKV has no such lease. */
    CompletableFuture<OptionalLong> refreshAsync(long id);

    /** Ends the lease now, deleting its keys; false when there was no such lease. */
    CompletableFuture<Boolean> revokeAsync(long id);

    CompletableFuture<Optional<LeaseInfo>> describeAsync(long id);

    /**
     * Refreshes the lease every third of its TTL until closed. If DKV no longer has it, or no refresh
     * succeeds for a whole TTL, the keep-alive stops and {@code onLost} is told once.
     */
    KeepAlive keepAlive(Lease lease, LeaseLostListener onLost);

    /** Grants a lease and keeps it alive: what a presence or leader needs. */
    default KeepAlive grantAndKeepAlive(Duration ttl, LeaseLostListener onLost) {
        return keepAlive(grant(ttl), onLost);
    }

    default Lease grant(Duration ttl) {
        return Blocking.call(() -> grantAsync(ttl));
    }

    default Lease grant(Duration ttl, long id) {
        return Blocking.call(() -> grantAsync(ttl, id));
    }

    default OptionalLong refresh(long id) {
        return Blocking.call(() -> refreshAsync(id));
    }

    default boolean revoke(long id) {
        return Blocking.call(() -> revokeAsync(id));
    }

    default Optional<LeaseInfo> describe(long id) {
        return Blocking.call(() -> describeAsync(id));
    }
}
