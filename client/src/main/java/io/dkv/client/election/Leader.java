package io.dkv.client.election;

/**
 * An election's leader.
 *
 * @param token strictly increases with each new leader
 * @param revision the store revision this was read or observed at
 */
public record Leader(String value, long lease, long token, String key, long revision) {
}
