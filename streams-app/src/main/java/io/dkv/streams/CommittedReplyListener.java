package io.dkv.streams;

import java.util.List;

/**
 * Learns the replies of each exactly-once transaction as soon as the transaction has committed,
 * before they can be read from the replies topic ({@code read_committed} readers see them only once
 * the commit markers are written and their next fetch returns), and when the Streams instance stops
 * or starts running. A gateway in the same process uses this to answer its waiting requests sooner,
 * and to stop reading the reply partitions of the tasks that run here while Streams is running;
 * replies for other gateways' requests still reach them through the topic.
 */
@FunctionalInterface
public interface CommittedReplyListener {
    /**
     * Called on a stream thread right after its transaction committed, once per transaction that
     * wrote replies, in commit order. Must return quickly and never block: the stream thread
     * processes no command until it returns. Exceptions are logged and ignored.
     *
     * @param replies what the transaction wrote to the replies topic, in the order written
     */
    void committed(List<CommittedReply> replies);

    /**
     * Called on every change of the Streams instance's state, on the thread that changed it; must
     * return quickly. While it is not running, tasks may move to other instances: from the first
     * call with {@code false}, a partition whose replies were reported here may next be written
     * elsewhere. While it is running, the tasks stay where they are, so every reply of a partition
     * reported here since the last call with {@code true} is reported here.
     */
    default void running(boolean running) {
    }
}
