package io.dkv.client.kv;

import io.dkv.client.internals.Blocking;
import java.util.concurrent.CompletableFuture;

/**
 * A transaction under construction: if every compare holds, the {@code then} ops run, else the
 * {@code orElse} ops, all at one store revision. Not thread-safe; build and commit on one thread.
 * {@code txn.ifVersion("k", Cmp.EQUAL, 0).thenPut("k", v).orElseGet("k").commit()}.
 */
public interface Txn<T> {

    /** How a compare relates the key's field to the given operand. */
    enum Cmp {
        EQUAL("=="), NOT_EQUAL("!="), LESS("<"), GREATER(">");

        private final String symbol;

        Cmp(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    Txn<T> ifValue(String key, Cmp cmp, T value);

    /** Version 0 means the key is absent. */
    Txn<T> ifVersion(String key, Cmp cmp, long version);

    Txn<T> ifModRevision(String key, Cmp cmp, long modRevision);

    Txn<T> ifCreateRevision(String key, Cmp cmp, long createRevision);

    Txn<T> ifLease(String key, Cmp cmp, long leaseId);

    /** A put in the then branch; {@code Put.withLease} and {@code Put.withLock} apply, conditions do not. */
    Txn<T> thenPut(String key, T value, Put... options);

    Txn<T> thenDelete(String key, Delete... options);

    Txn<T> thenGet(String key);

    Txn<T> orElsePut(String key, T value, Put... options);

    Txn<T> orElseDelete(String key, Delete... options);

    Txn<T> orElseGet(String key);

    CompletableFuture<TxnResult<T>> commitAsync();

    default TxnResult<T> commit() {
        return Blocking.call(() -> commitAsync());
    }
}
