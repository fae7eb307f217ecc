package io.dkv.client.kv;

import io.dkv.client.internals.Blocking;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;

/**
 * The keys and values of one store, typed through a codec. Every call has an async form returning a
 * {@link CompletableFuture} and a blocking form of the same name without {@code Async}. Expected
 * outcomes are the result's {@link KvStatus}; the futures fail (and the blocking forms throw)
 * {@link io.dkv.client.DkvException} only when DKV could not be reached, did not answer in time, or
 * refused the request as malformed. Writes are retried with one request id, so each is applied at most
 * once; reads see at least every write this client has seen answered.
 *
 * <p>Thread-safe.
 *
 * @param <T> the value type
 */
public interface Kv<T> {

    CompletableFuture<KvResult<T>> putAsync(String key, T value, Put... options);

    CompletableFuture<KvResult<T>> getAsync(String key, Get... options);

    CompletableFuture<KvResult<T>> deleteAsync(String key, Delete... options);

    /**
     * One page of the keys under {@code prefix}, starting after {@code cursor} (null for the first page).
     *
     * @param limit page size; 0 for the server's default
     */
    CompletableFuture<Page<T>> listPageAsync(String prefix, String cursor, int limit);

    /** A transaction: compares, then the ops of the branch they select, applied at one revision. */
    Txn<T> txn();

    default KvResult<T> put(String key, T value, Put... options) {
        return Blocking.call(() -> putAsync(key, value, options));
    }

    default KvResult<T> get(String key, Get... options) {
        return Blocking.call(() -> getAsync(key, options));
    }

    default KvResult<T> delete(String key, Delete... options) {
        return Blocking.call(() -> deleteAsync(key, options));
    }

    default Page<T> listPage(String prefix, String cursor, int limit) {
        return Blocking.call(() -> listPageAsync(prefix, cursor, limit));
    }

    /**
     * Every entry under {@code prefix}, fetched a page at a time as the iteration goes. Pages are read
     * at their own revisions: a key written during the iteration may show its old or its new value;
     * use a watch with a snapshot for one consistent view.
     */
    default Iterable<Entry<T>> list(String prefix) {
        return () -> new Iterator<>() {
            private Page<T> page = listPage(prefix, null, 0);
            private int index;

            @Override
            public boolean hasNext() {
                while (index >= page.entries().size() && page.hasMore()) {
                    page = listPage(prefix, page.cursor(), 0);
                    index = 0;
                }
                return index < page.entries().size();
            }

            @Override
            public Entry<T> next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return page.entries().get(index++);
            }
        };
    }
}
