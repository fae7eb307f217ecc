package io.dkv.client.election;

import io.dkv.client.internals.Blocking;
import io.dkv.client.lease.Lease;
import io.dkv.client.watch.Subscription;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Leader elections of one store. A candidate campaigns with a lease it keeps alive; the candidate
 * that joined first leads, and when its lease ends or it resigns, the next one leads. Thread-safe;
 * "not leader" is a {@code false} result, never an exception.
 */
public interface Elections {

    /**
     * Joins {@code election} with {@code lease} and {@code value}, waiting up to {@code wait} to lead.
     * Campaigning again with the same lease keeps the place and sets the value.
     */
    CompletableFuture<Campaign> campaignAsync(String election, Lease lease, String value, Duration wait);

    /** The current leader, or empty when the election has no candidate. */
    CompletableFuture<Optional<Leader>> leaderAsync(String election);

    /** The leader sets a new value; false when the caller does not lead (with that lease and token). */
    CompletableFuture<Boolean> proclaimAsync(String election, Lease lease, long token, String value);

    /** Leaves the election; if the caller led, the next candidate leads. False when it was not a candidate. */
    CompletableFuture<Boolean> resignAsync(String election, Lease lease);

    /**
     * Follows the election's leadership: {@code onChange} gets the current leader (or empty) first and
     * then every change of leader or value, one call at a time, on the client's I/O thread. Resumes by
     * itself across dropped connections; a change that happened meanwhile is reported on resume.
     */
    CompletableFuture<Subscription> observeAsync(String election, Consumer<Optional<Leader>> onChange);

    default Campaign campaign(String election, Lease lease, String value, Duration wait) {
        return Blocking.call(() -> campaignAsync(election, lease, value, wait));
    }

    default Optional<Leader> leader(String election) {
        return Blocking.call(() -> leaderAsync(election));
    }

    default boolean proclaim(String election, Lease lease, long token, String value) {
        return Blocking.call(() -> proclaimAsync(election, lease, token, value));
    }

    default boolean resign(String election, Lease lease) {
        return Blocking.call(() -> resignAsync(election, lease));
    }

    default Subscription observe(String election, Consumer<Optional<Leader>> onChange) {
        return Blocking.call(() -> observeAsync(election, onChange));
    }
}
