package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dkv.client.Codec;
import io.dkv.client.DkvException;
import io.dkv.client.kv.Entry;
import io.dkv.client.watch.Subscription;
import io.dkv.client.watch.WatchEvent;
import io.dkv.client.watch.WatchListener;
import io.dkv.client.watch.WatchOptions;
import io.dkv.client.watch.WatchStart;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One watch that outlives connections. Each attempt is a {@code watch} frame with its own id on some
 * socket; frames of an older attempt are ignored. The watch remembers the last revision it delivered
 * (or that a {@code progress} or {@code snapshot-end} frame reached) and resumes after it, through any
 * gateway, when the socket drops or DKV ends the watch as a slow consumer; events at or below that
 * revision are dropped, so nothing is delivered twice. When the history after it is compacted away, it
 * takes a snapshot instead ({@link WatchListener#onResnapshot}). Frame handling and listener calls are
 * serialized on the watch.
 */
final class ResumableWatch<T> extends SocketAttempts<WatchStart<T>> implements Subscription {
    /** Error codes a retry cannot fix: the watch (or its start) fails with them. */
    private static final Set<String> FATAL = Set.of("INVALID_KEY", "KEY_TOO_LARGE", "INVALID_REQUEST", "INVALID_REVISION",
            "STORE_NOT_FOUND", "REQUEST_TOO_LARGE", "INVALID_JSON");
    private static final AtomicLong IDS = new AtomicLong();

    private final WatchSockets sockets;
    private final Codec<T> codec;
    private final byte[] scope;
    private final boolean prefix;
    private final WatchOptions options;
    private final WatchListener<T> listener;
    private final String name = "w" + IDS.incrementAndGet();

    private long lastRevision = -1;
    private volatile long deliveredRevision;
    private int attempts;
    private boolean snapshotting;
    private boolean disconnected;
    private List<Entry<T>> snapshot = new ArrayList<>();

    ResumableWatch(WatchSockets sockets, Codec<T> codec, byte[] scope, boolean prefix, WatchOptions options, WatchListener<T> listener) {
        super(sockets.transport());
        this.sockets = sockets;
        this.codec = codec;
        this.scope = scope;
        this.prefix = prefix;
        this.options = options;
        this.listener = listener;
    }

    CompletableFuture<WatchStart<T>> start() {
        synchronized (this) {
            if (options.fromRevisionValue() > 0) {
                lastRevision = options.fromRevisionValue() - 1;
            }
            next();
        }
        return started;
    }

    /** Starts the next attempt: a snapshot when one is due, else changes after the last revision. */
    @Override
    protected void next() {
        if (stopped) {
            return;
        }
        snapshotting = lastRevision < 0 && options.isSnapshot() || snapshotting;
        String id = name + "." + (++attempts);
        attemptId = id;
        ObjectNode frame = Json.object().put("type", "watch").put("id", id);
        Json.putBytes(frame, prefix ? "prefix" : "key", scope);
        if (options.isPrevValue()) {
            frame.put("prevValue", true);
        }
        if (snapshotting) {
            frame.put("snapshot", true);
            snapshot = new ArrayList<>();
        } else if (lastRevision >= 0) {
            frame.put("fromRevision", lastRevision + 1);
        }
        (snapshotting ? sockets.owner() : sockets.any()).whenComplete((s, error) -> {
            synchronized (this) {
                if (!id.equals(attemptId) || stopped) {
                    return;
                }
                if (error != null) {
                    retryLater(error);
                    return;
                }
                socket = s;
                if (!s.register(id, this)) {
                    retryLater(null);
                    return;
                }
                s.send(frame).whenComplete((v, e) -> {
                    if (e != null) {
                        s.close();
                    }
                });
            }
        });
    }

    @Override
    protected String what() {
        return "the watch";
    }

    @Override
    public synchronized void onFrame(WatchSocket from, JsonNode frame) {
        if (stopped || !Json.string(frame, "id").equals(attemptId)) {
            return;
        }
        switch (String.valueOf(Json.string(frame, "type"))) {
            case "created" -> {
                // A watch from a revision is live once accepted; one from now once progress names its revision.
                if (!snapshotting && lastRevision >= 0) {
                    if (!started.isDone()) {
                        started.complete(new WatchStart<>(List.of(), lastRevision, this));
                    }
                    live(lastRevision);
                }
            }
            case "snapshot" -> snapshot.add(Entries.of(frame, "value", codec));
            case "snapshot-end" -> {
                long revision = Json.number(frame, "revision");
                snapshotting = false;
                reached(revision);
                List<Entry<T>> entries = List.copyOf(snapshot);
                snapshot = new ArrayList<>();
                if (!started.isDone()) {
                    started.complete(new WatchStart<>(entries, revision, this));
                } else {
                    listener.onResnapshot(entries, revision);
                }
                live(revision);
            }
            case "progress" -> {
                long revision = Json.number(frame, "revision");
                if (!snapshotting) {
                    reached(revision);
                    if (!started.isDone()) {
                        started.complete(new WatchStart<>(List.of(), revision, this));
                    }
                    live(revision);
                }
            }
            case "events" -> {
                long revision = Json.number(frame, "revision");
                if (revision > lastRevision) {
                    for (JsonNode event : frame.path("events")) {
                        listener.onEvent(event(event));
                    }
                    reached(revision);
                }
                live(revision);
            }
            case "compacted" -> {
                from.unregister(attemptId);
                snapshotting = true;
                next();
            }
            case "cancelled" -> {
                from.unregister(attemptId);
                if ("store-deleted".equals(Json.string(frame, "reason"))) {
                    end("store-deleted");
                } else {
                    disconnected();
                    next();
                }
            }
            case "error" -> {
                from.unregister(attemptId);
                String code = Json.string(frame, "code");
                if (FATAL.contains(code)) {
                    DkvException error = new DkvException.Rejected(code, 400, code + ": " + Json.string(frame, "message"));
                    if (!started.isDone()) {
                        stopped = true;
                        started.completeExceptionally(error);
                    } else {
                        end("error " + code);
                    }
                } else {
                    retryLater(new DkvException.Unavailable(code, 503, Json.string(frame, "message"), null));
                }
            }
            default -> {
            }
        }
    }

    @Override
    public synchronized void onSocketLost(WatchSocket from) {
        if (stopped || from != socket) {
            return;
        }
        sockets.transport().gateways().unreachable(from.gateway());
        disconnected();
        retryLater(null);
    }

    private void reached(long revision) {
        lastRevision = Math.max(lastRevision, revision);
        deliveredRevision = lastRevision;
        // What a watch delivered has committed: later reads through this client see at least it.
        sockets.transport().sawRevision(lastRevision);
    }

    private void disconnected() {
        if (started.isDone() && !disconnected) {
            disconnected = true;
            listener.onDisconnected();
        }
    }

    private void live(long revision) {
        succeeded();
        if (disconnected) {
            disconnected = false;
            listener.onResumed(revision);
        }
    }

    private void end(String reason) {
        stopped = true;
        listener.onEnd(reason);
    }

    private WatchEvent<T> event(JsonNode json) {
        boolean put = "put".equals(Json.string(json, "type"));
        byte[] value = put ? Json.bytes(json, "value") : null;
        byte[] prev = Json.bytes(json, "prevValue");
        return new WatchEvent<>(put ? WatchEvent.Type.PUT : WatchEvent.Type.DELETE, Json.bytes(json, "key"),
                value == null ? null : codec.decode(value), prev == null ? null : codec.decode(prev),
                Json.number(json, "revision"), Json.number(json, "createRevision"), Json.number(json, "version"),
                Json.lease(json, "lease"), Json.string(json, "cause"));
    }

    @Override
    public void stop() {
        stopAttempts();
    }

    @Override
    public long lastRevision() {
        return Math.max(0, deliveredRevision);
    }
}
