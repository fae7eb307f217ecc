package io.dkv.streams.lease.internals;

import io.dkv.streams.lease.LiveLeases.LeaseId;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Decides, on the owning task's wall clock, which leases expired, and hands them to be written to
 * the log. It runs only while the task has leases: a wall-clock punctuation marks its task as
 * needing a commit, so a task without leases stays out of the commits of an idle instance.
 * Used only from the task's stream thread.
 */
public final class LeaseExpiryPunctuator implements Punctuator {
    private final LeaseStore leases;
    private final Duration interval;
    private final Consumer<List<LeaseId>> expire;
    private Cancellable schedule;

    /**
     * @param interval how often to look for expired leases
     * @param expire writes the expiry of leases already taken from the live deadlines
     */
    public LeaseExpiryPunctuator(LeaseStore leases, Duration interval, Consumer<List<LeaseId>> expire) {
        this.leases = leases;
        this.interval = interval;
        this.expire = expire;
    }

    /** Starts looking for expired leases if the task has any and this is not looking already. */
    public void runIfNeeded(ProcessorContext<?, ?> context) {
        if (schedule == null && leases.any()) {
            schedule = context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this);
        }
    }

    @Override
    public void punctuate(long timestamp) {
        List<LeaseId> due = leases.expired(timestamp);
        if (!due.isEmpty()) {
            expire.accept(due);
        }
        if (!leases.any() && schedule != null) {
            schedule.cancel();
            schedule = null;
        }
    }

    /** The task closes: its schedule goes with it. */
    public void stop() {
        if (schedule != null) {
            schedule.cancel();
            schedule = null;
        }
    }
}
