package io.dkv.client.lease;

/** Told once when a kept-alive lease is gone, on one of the client's threads: return quickly. */
@FunctionalInterface
public interface LeaseLostListener {

    /**
     * @param reason {@code not-found} (DKV has no such lease: it expired or was revoked) or
     *     {@code unreachable} (no refresh succeeded for a whole TTL, so it must be taken as expired)
     */
    void onLost(long leaseId, String reason);
}
