package io.dkv.client.cache;

/**
 * Counts of one cache since it was opened.
 *
 * @param nearHits reads answered from the near cache
 * @param hits reads answered by DKV
 * @param misses reads DKV had no entry for
 * @param loads loader calls made by this client
 * @param nearInvalidations near entries dropped because the watch saw their key change
 */
public record CacheStats(long nearHits, long hits, long misses, long loads, long nearInvalidations) {
}
