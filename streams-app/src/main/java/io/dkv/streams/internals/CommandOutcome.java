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
     * deleted value travels in {@code deletedValue} (the dkv.prev.value header).
     */
    public record Change(String store, byte[] key, byte[] value, String type, long revision, long lease, byte[] deletedValue) {
    }
}
