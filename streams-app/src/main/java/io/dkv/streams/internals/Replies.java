package io.dkv.streams.internals;

import io.dkv.schemas.Command;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Status;
import java.util.List;

/** Builders for the replies every command kind shares. */
public final class Replies {
    private Replies() {
    }

    public static Reply.Builder of(Command command, Status status, long revision) {
        return Reply.newBuilder()
                .setRequestId(command.getRequestId())
                .setStore(command.getStore())
                .setStatus(status)
                .setRevision(revision)
                .setResults(List.of());
    }

    public static Reply notFound(Command command) {
        return of(command, Status.NOT_FOUND, 0).setMessage("store " + command.getStore() + " does not exist").build();
    }

    /**
     * A refusal the status alone does not name: {@code code} is the HTTP API's error code (see the
     * gateway's {@code ErrorCode}), as LEASE_NOT_FOUND for a NOT_FOUND about a lease.
     */
    public static Reply refused(Command command, Status status, String code, long revision, String message) {
        return of(command, status, revision).setCode(code).setMessage(message).build();
    }

    public static Reply invalid(Command command, long revision, String message) {
        return of(command, Status.INVALID, revision).setMessage(message).build();
    }
}
