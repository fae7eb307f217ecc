package io.dkv.gateway.watch;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.watch.internals.WatchScope;

/**
 * What a client asks to watch and from where: the current state first ({@code snapshot}), the
 * history after a revision ({@code after}), or neither (changes from now on).
 *
 * @param after the last revision the client has, or null
 * @param prevValue whether events carry the value before each change
 */
public record WatchRequest(WatchScope scope, boolean snapshot, Long after, boolean prevValue) {

    /**
     * Validates the parameters the transports share.
     *
     * @param key the key to watch, or null
     * @param prefix the prefix to watch, or null (exactly one of key and prefix)
     * @param fromRevision first revision wanted (inclusive), or null
     * @param lastEventId last revision seen (SSE's Last-Event-ID), or null; wins over fromRevision
     * @throws ApiException INVALID_REQUEST, INVALID_KEY or INVALID_REVISION
     */
    public static WatchRequest of(String store, byte[] key, byte[] prefix, boolean snapshot, String fromRevision,
            String lastEventId, boolean prevValue, int maxKeyBytes) {
        if ((key == null) == (prefix == null)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "watch exactly one of key or prefix (an empty prefix watches the whole store)");
        }
        if (key != null && key.length == 0) {
            throw new ApiException(ErrorCode.INVALID_KEY, "the key to watch is empty");
        }
        byte[] bytes = key != null ? key : prefix;
        if (bytes.length > maxKeyBytes) {
            throw new ApiException(ErrorCode.KEY_TOO_LARGE, "keys are limited to " + maxKeyBytes + " bytes");
        }
        Long after = null;
        if (lastEventId != null && !lastEventId.isBlank()) {
            after = Http.parseRevision(lastEventId.trim(), "Last-Event-ID");
        } else if (fromRevision != null) {
            long from = Http.parseRevision(fromRevision, "fromRevision");
            if (from < 1) {
                throw new ApiException(ErrorCode.INVALID_REVISION, "fromRevision starts at 1");
            }
            after = from - 1;
        }
        if (snapshot && after != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST,
                    "snapshot=true starts from the current state; it cannot be combined with fromRevision or Last-Event-ID");
        }
        return new WatchRequest(new WatchScope(store, bytes, prefix != null), snapshot, after, prevValue);
    }
}
