package io.dkv.client.lease;

import java.time.Duration;

/**
 * A granted lease: its id and TTL. Keys attached to it ({@code Put.withLease(lease.id())}), locks on it
 * and candidacies with it end when it expires or is revoked.
 */
public record Lease(long id, Duration ttl) {
}
