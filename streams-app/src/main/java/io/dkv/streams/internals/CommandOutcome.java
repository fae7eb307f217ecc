package io.dkv.streams.internals;

import io.dkv.schemas.Reply;
import java.util.List;

/**
 * What processing one command produced: the reply and the change records, all of which are
 * written in the same exactly-once transaction as the state-store updates.
 */
public record CommandOutcome(Reply reply, List<Change> changes) {

    public static CommandOutcome of(Reply reply) {
        return new CommandOutcome(reply, List.of());
    }

    /**
     * One record for a store's change topic; {@code value} is null for a delete (a tombstone), whose
     * deleted value travels in {@code deletedValue} (the dkv.prev.value header). {@code cause} says why
     * a delete happened when no client asked for it ({@code lease-expired}, {@code lease-revoked}: the
     * dkv.cause header), else null.
     */
    public record Change(String store, byte[] key, byte[] value, String type, long revision, long lease, byte[] deletedValue,
            String cause) {

        /** A change a client's command asked for. */
        public Change(String store, byte[] key, byte[] value, String type, long revision, long lease, byte[] deletedValue) {
            this(store, key, value, type, revision, lease, deletedValue, null);
        }
    }
}
