package io.dkv.gateway.election.internals;

import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.StateReader;
import io.dkv.gateway.watch.WatchEvent;
import io.dkv.schemas.KeyValue;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The candidates of one election at one revision, ordered by the creation revision of their keys:
 * the first is the leader (etcd's rule), and a candidate's position is how many are ahead of it.
 * Creation revisions only grow, so a candidate that became leader stays leader until its key goes,
 * and every new leader's creation revision (its token) is above every earlier leader's.
 * Not thread-safe: one election watch or one read owns an instance.
 */
public final class Candidates {

    /** One candidate: its key, the lease that holds it, its value, and its key's creation revision (its token). */
    public record Candidate(byte[] key, long lease, byte[] value, long token) {

        /** Whether this is the same candidacy with the same value. */
        boolean sameAs(Candidate other) {
            return other != null && token == other.token && Arrays.equals(value, other.value);
        }
    }

    private final TreeMap<Long, Candidate> byToken = new TreeMap<>();
    private final Map<ByteBuffer, Long> tokenByKey = new HashMap<>();

    /** The candidates of a state read under the election's prefix. */
    public static Candidates of(List<StateReader.Entry> entries) {
        Candidates candidates = new Candidates();
        entries.forEach(e -> candidates.put(e.key(), e.entry()));
        return candidates;
    }

    public void put(byte[] key, KeyValue entry) {
        put(new Candidate(key, entry.getLease(), Http.array(entry.getValue()), entry.getCreateRevision()));
    }

    /** Applies one change of a key under the election's prefix. */
    public void apply(WatchEvent event) {
        if (event.type() == WatchEvent.Type.PUT) {
            put(new Candidate(event.key(), event.lease(), event.value(), event.createRevision()));
        } else {
            Long token = tokenByKey.remove(ByteBuffer.wrap(event.key()));
            if (token != null) {
                byToken.remove(token);
            }
        }
    }

    private void put(Candidate candidate) {
        Long previous = tokenByKey.put(ByteBuffer.wrap(candidate.key()), candidate.token());
        if (previous != null) {
            byToken.remove(previous);
        }
        byToken.put(candidate.token(), candidate);
    }

    /** @return the leader, or null when the election has no candidate */
    public Candidate leader() {
        return byToken.isEmpty() ? null : byToken.firstEntry().getValue();
    }

    /** @return the candidate holding {@code key}, or null */
    public Candidate candidate(byte[] key) {
        Long token = tokenByKey.get(ByteBuffer.wrap(key));
        return token == null ? null : byToken.get(token);
    }

    /** How many candidates are ahead of the one whose token is {@code token} (0: it leads). */
    public int position(long token) {
        return byToken.headMap(token, false).size();
    }

    public int size() {
        return byToken.size();
    }
}
