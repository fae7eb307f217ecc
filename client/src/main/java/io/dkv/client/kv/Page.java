package io.dkv.client.kv;

import java.util.List;

/**
 * One page of a listing, in byte order of the keys.
 *
 * @param cursor pass it to the next {@code listPage} call; null when this is the last page
 */
public record Page<T>(List<Entry<T>> entries, long revision, String cursor) {

    public boolean hasMore() {
        return cursor != null;
    }
}
