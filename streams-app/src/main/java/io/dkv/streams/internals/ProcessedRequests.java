package io.dkv.streams.internals;

import io.dkv.schemas.DkvCodec;
import io.dkv.schemas.ProcessedRequest;
import io.dkv.schemas.Reply;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The dedupe memory of a task: every processed request id with its reply, remembered for at least
 * the dedupe window so a retry is applied at most once. Its changelog doubles as the replies topic
 * ({@link io.dkv.streams.DkvTopology#repliesTopic}): every entry written is a reply gateways read.
 *
 * <p>Entries are filed in a window store under the start of the window-long time bucket they were
 * processed in. A lookup is then three point reads (this bucket, the one before, and the one after
 * for a gateway whose clock is behind) instead of a range scan over every segment, which was most of
 * the stream thread's work per command. An entry is remembered for one to two windows; its segment
 * is dropped after {@link #RETENTION_WINDOWS} windows.
 *
 * <p>Not thread-safe: used by the stream thread that owns the task.
 */
public final class ProcessedRequests {
    /** Retention in windows: two cover every lookup, one more absorbs clock skew between gateways. */
    static final int RETENTION_WINDOWS = 3;

    private final WindowStore<String, byte[]> store;
    private final long windowMs;

    ProcessedRequests(WindowStore<String, byte[]> store, Duration window) {
        this.store = store;
        this.windowMs = window.toMillis();
    }

    /** The state store this class keeps its entries in, with changelogging on and caching off. */
    public static StoreBuilder<WindowStore<String, byte[]>> storeBuilder(String name, Duration window) {
        return Stores.windowStoreBuilder(
                Stores.persistentWindowStore(name, retention(window), window, false),
                Serdes.String(), Serdes.ByteArray()).withCachingDisabled();
    }

    /** How long the store keeps an entry's segment. */
    public static Duration retention(Duration window) {
        return window.multipliedBy(RETENTION_WINDOWS);
    }

    /** The reply of the request if it was processed within the last window (seen at {@code now}), else null. */
    Reply find(String requestId, long now) {
        long bucket = bucketOf(now);
        byte[] bytes = store.fetch(requestId, bucket);
        if (bytes == null) {
            bytes = store.fetch(requestId, bucket - windowMs);
        }
        if (bytes == null) {
            bytes = store.fetch(requestId, bucket + windowMs);
        }
        return bytes == null ? null : DkvCodec.PROCESSED_REQUEST.decode(bytes).getReply();
    }

    /** Records the reply, which also sends it to the gateways through the changelog. */
    void remember(String requestId, Reply reply, long now) {
        store.put(requestId, DkvCodec.PROCESSED_REQUEST.encode(new ProcessedRequest(now, reply)), bucketOf(now));
    }

    private long bucketOf(long time) {
        return time - Math.floorMod(time, windowMs);
    }
}
