package io.dkv.client.kv;

import java.util.List;

/**
 * What a transaction did.
 *
 * @param status OK when it ran (see {@link #succeeded()} for the branch); LOCKED when an op touched a
 *     locked key without its handle, and then nothing ran
 * @param succeeded whether the compares held (the then branch ran)
 * @param results one per op of the branch that ran, in order
 */
public record TxnResult<T>(KvStatus status, boolean succeeded, long revision, List<OpResult<T>> results) {

    /**
     * The result of one op.
     *
     * @param op {@code put}, {@code delete} or {@code get}
     * @param entry a get's entry (null when absent); null for put and delete
     * @param modRevision a put's new modification revision
     * @param done a put that created the key, a delete that deleted one, a get that found one
     */
    public record OpResult<T>(String op, String key, Entry<T> entry, long modRevision, boolean done) {
    }
}
