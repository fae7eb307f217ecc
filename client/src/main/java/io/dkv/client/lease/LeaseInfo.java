package io.dkv.client.lease;

/**
 * A lease as DKV describes it.
 *
 * @param remainingMs how long it lives without another refresh
 * @param keyCount how many keys are attached to it
 */
public record LeaseInfo(long id, long ttlMs, long remainingMs, long grantedAtMs, long keyCount) {
}
