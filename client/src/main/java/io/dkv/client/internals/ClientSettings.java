package io.dkv.client.internals;

import java.time.Duration;

/**
 * What a {@code DkvClient.Builder} decided, shared by the client's parts.
 *
 * @param requestTimeout the default deadline of one call, over all its attempts
 * @param maxAttempts attempts per call (the first and its retries)
 * @param retryBackoff the pause before the first retry; it doubles up to {@code maxRetryBackoff}
 */
public record ClientSettings(String store, Duration requestTimeout, int maxAttempts, Duration retryBackoff,
        Duration maxRetryBackoff) {
}
