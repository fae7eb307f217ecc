package io.dkv.client.watch;

import io.dkv.client.kv.Entry;
import java.util.List;

/**
 * Receives one watch's events. Calls for one watch come one at a time, in revision order, on the
 * client's I/O thread: return quickly and hand long work to an executor of your own, or the watch
 * falls behind (and DKV ends it as a slow consumer, which the client resumes).
 *
 * <p>Across dropped connections the subscription resumes by itself from the last revision it
 * delivered: no event is missed or delivered twice. Only when that history is gone (compacted) does
 * it take a fresh snapshot and call {@link #onResnapshot}.
 */
@FunctionalInterface
public interface WatchListener<T> {

    void onEvent(WatchEvent<T> event);

    /**
     * The history after the last delivered revision was compacted away: {@code entries} is the whole
     * current state under the watch at {@code revision}, and events continue after it. Replace what
     * you derived from earlier events.
     */
    default void onResnapshot(List<Entry<T>> entries, long revision) {
    }

    /** The connection carrying the watch dropped; it is being resumed. Events may be late until {@link #onResumed}. */
    default void onDisconnected() {
    }

    /** The watch is live again after {@link #onDisconnected}, with no gap. */
    default void onResumed(long revision) {
    }

    /** The watch ended for good: {@code store-deleted}, or an error DKV gave that a retry cannot fix. */
    default void onEnd(String reason) {
    }
}
