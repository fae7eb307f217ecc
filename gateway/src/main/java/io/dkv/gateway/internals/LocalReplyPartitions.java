package io.dkv.gateway.internals;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Which partitions of the replies topic the gateway's reply reader skips: those whose replies the
 * Streams instance in this process reports at commit ({@code CommittedReplyListener}), so reading
 * them again from the topic would only cost a fetch per transaction and the decoding of every reply.
 *
 * <p>While Streams runs, its tasks stay put, so once the reader has read past the first reply of a
 * partition reported here, every later reply of it is reported here too: the reader pauses the
 * partition. When Streams stops running (a rebalance, a failed thread, shutdown) its tasks may move,
 * and the reader resumes each paused partition just after the last reply reported while running, so
 * no reply of a new owner is missed (the replies of the last local commit may then be read twice,
 * which is harmless).
 *
 * <p>Also remembers, per partition the reader still reads, which requests were answered at commit
 * and are yet to be read from the topic, so that the reader skips those replies. Thread-safe: the
 * stream threads report, the reply reader adjusts its consumer and reads.
 */
final class LocalReplyPartitions {
    private final Partition[] partitions;
    private boolean streamsRunning;

    private static final class Partition {
        final TopicPartition topicPartition;
        final Set<String> answeredEarly = new HashSet<>();
        boolean skipped;
        boolean resume;
        /** The offset of the first reply reported here since Streams last started running, or -1. */
        long firstLocal = -1;
        /** The offset just after the last reply reported here while Streams was running. */
        long resumeAt = -1;

        Partition(TopicPartition topicPartition) {
            this.topicPartition = topicPartition;
        }

        void forgetLocalReplies() {
            firstLocal = -1;
            resumeAt = -1;
        }
    }

    /** @param partitions the reader's partitions of the replies topic, in partition order */
    LocalReplyPartitions(List<TopicPartition> partitions) {
        this.partitions = partitions.stream().map(Partition::new).toArray(Partition[]::new);
    }

    /**
     * Records a reply the Streams instance in this process committed, and that the request
     * {@code answeredRequestId} (null when none) was answered from it.
     *
     * @return whether the reader skips the reply's partition; if not, the reply will also be read
     *     from the topic, and the answered request is remembered so that the reader skips it
     */
    synchronized boolean committedHere(int partition, long offset, String answeredRequestId) {
        Partition p = partitions[partition];
        // A partition still to be resumed resumes where the last running period left it.
        if (streamsRunning && !p.resume) {
            if (p.firstLocal < 0) {
                p.firstLocal = offset;
            }
            p.resumeAt = Math.max(p.resumeAt, offset + 1);
        }
        if (!p.skipped && answeredRequestId != null) {
            p.answeredEarly.add(answeredRequestId);
        }
        return p.skipped;
    }

    /** Whether the reply read from the topic answered its request at commit already; forgets it. */
    synchronized boolean answeredEarly(int partition, String requestId) {
        return partitions[partition].answeredEarly.remove(requestId);
    }

    synchronized void streamsRunning(boolean running) {
        streamsRunning = running;
        if (!running) {
            for (Partition p : partitions) {
                p.resume = p.skipped;
                if (!p.skipped) {
                    p.forgetLocalReplies();
                }
            }
        }
    }

    /** Pauses and resumes the reader's partitions as described above; called on the reader's thread. */
    synchronized void adjust(Consumer<?, ?> consumer) {
        for (Partition p : partitions) {
            TopicPartition tp = p.topicPartition;
            if (p.resume) {
                consumer.seek(tp, p.resumeAt);
                consumer.resume(Set.of(tp));
                p.skipped = false;
                p.resume = false;
                p.forgetLocalReplies();
            } else if (streamsRunning && !p.skipped && p.firstLocal >= 0 && consumer.position(tp) > p.firstLocal) {
                consumer.pause(Set.of(tp));
                p.skipped = true;
                // Those replies lie where the reader will not read: past its position now, and before
                // the offset it resumes from.
                p.answeredEarly.clear();
            }
        }
    }

    synchronized int skipped() {
        return (int) Arrays.stream(partitions).filter(p -> p.skipped).count();
    }

    /** The reader stopped: nothing remembered will be read any more. */
    synchronized void forgetAnswered() {
        for (Partition p : partitions) {
            p.answeredEarly.clear();
        }
    }
}
