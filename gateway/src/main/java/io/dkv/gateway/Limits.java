package io.dkv.gateway;

/**
 * Size limits the gateway enforces before anything reaches Kafka; a request over a limit is
 * answered 413 and changes nothing.
 *
 * @param maxKeyBytes longest key, in bytes
 * @param maxValueBytes largest value, in bytes
 * @param maxTxnOps most compare clauses plus operations in one transaction
 * @param maxRequestBytes largest request body (values, transactions)
 * @param defaultPageSize keys per list page when the request names no limit
 * @param maxPageSize most keys one list page may ask for
 * @param maxRequestLineBytes longest HTTP request line (method, path with the key, query); longer → 414
 * @param maxHeaderBytes largest HTTP header block; larger → 431
 */
public record Limits(int maxKeyBytes, int maxValueBytes, int maxTxnOps, int maxRequestBytes,
        int defaultPageSize, int maxPageSize, int maxRequestLineBytes, int maxHeaderBytes) {
}
