package io.dkv.client.watch;

import io.dkv.client.kv.Entry;
import java.util.List;

/**
 * A watch that has started.
 *
 * @param snapshot the state at {@code revision} when the watch asked for one, else empty
 * @param revision the watch delivers every change after this revision
 */
public record WatchStart<T>(List<Entry<T>> snapshot, long revision, Subscription subscription) {
}
