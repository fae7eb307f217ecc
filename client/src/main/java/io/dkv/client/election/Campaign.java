package io.dkv.client.election;

/**
 * Where a candidate stands after campaigning.
 *
 * @param leader whether it leads now
 * @param token its candidacy's token (its key's creation revision): higher than every earlier leader's;
 *     pass it to proclaim and resign, and guard a leader's writes with it
 * @param position how many candidates are ahead (0 when leading)
 * @param key the candidacy's key, {@code _elections/<name>/<lease>}
 */
public record Campaign(boolean leader, long token, long position, String key) {
}
