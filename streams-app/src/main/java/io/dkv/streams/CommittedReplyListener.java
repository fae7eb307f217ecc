package io.dkv.streams;

import java.util.List;

/**
 * Learns the replies of each exactly-once transaction as soon as the transaction has committed,
 * before they can be read from the replies topic ({@code read_committed} readers see them only once
 * the commit markers are written and their next fetch returns). A gateway in the same process uses
 * this to answer its waiting requests sooner; replies for other gateways' requests still reach them
 * through the topic.
 */
@FunctionalInterface
public interface CommittedReplyListener {
    /**
     * Called on a stream thread right after its transaction committed, once per transaction that
     * wrote replies, in commit order. Must return quickly and never block: the stream thread
     * processes no command until it returns. Exceptions are logged and ignored.
     *
     * @param replies the values the transaction wrote to the replies topic, in the order written:
     *     Avro {@code ProcessedRequest}s, each holding one {@code Reply}
     */
    void committed(List<byte[]> replies);
}
