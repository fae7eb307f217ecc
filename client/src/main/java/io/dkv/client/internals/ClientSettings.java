package io.dkv.client.internals;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * What a {@code DkvClient.Builder} decided, shared by the client's parts.
 *
 * @param requestTimeout the default deadline of one call, over all its attempts
 * @param maxAttempts attempts per call (the first and its retries)
 * @param retryBackoff the pause before the first retry; it doubles up to {@code maxRetryBackoff}
 * @param bearerToken the token every request and watch socket sends as {@code Authorization: Bearer},
 *     asked for each time (a JWT may rotate); null for none
 */
public record ClientSettings(String store, Duration requestTimeout, int maxAttempts, Duration retryBackoff,
        Duration maxRetryBackoff, Supplier<String> bearerToken) {

    /** The {@code Authorization} header's value, or null without a token. */
    public String authorization() {
        return bearerToken == null ? null : "Bearer " + bearerToken.get();
    }
}
