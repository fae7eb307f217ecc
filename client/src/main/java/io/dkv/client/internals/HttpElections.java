package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dkv.client.DkvException;
import io.dkv.client.election.Campaign;
import io.dkv.client.election.Elections;
import io.dkv.client.election.Leader;
import io.dkv.client.lease.Lease;
import io.dkv.client.watch.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** {@link Elections} over {@code /elections}; observations as {@code observe} frames on the owner's socket. Thread-safe. */
public final class HttpElections implements Elections {
    private static final AtomicLong IDS = new AtomicLong();

    private final Transport transport;
    private final WatchSockets sockets;
    private final String base;

    public HttpElections(Transport transport, WatchSockets sockets) {
        this.transport = transport;
        this.sockets = sockets;
        this.base = "/v1/stores/" + transport.settings().store() + "/elections/";
    }

    @Override
    public CompletableFuture<Campaign> campaignAsync(String election, Lease lease, String value, Duration wait) {
        ObjectNode body = Json.object().put("lease", Long.toString(lease.id())).put("waitMs", wait.toMillis());
        Json.putBytes(body, "value", value.getBytes(StandardCharsets.UTF_8));
        Call call = Call.write("POST", base + election + "/campaign").json(body).timeout(wait.plus(transport.settings().requestTimeout()));
        return transport.send(call).thenApply(response -> {
            if (response.status() != 200) {
                throw response.failure();
            }
            JsonNode json = response.json();
            return new Campaign(json.path("leader").asBoolean(), Json.number(json, "token"), Json.number(json, "position"),
                    Json.string(json, "key"));
        });
    }

    @Override
    public CompletableFuture<Optional<Leader>> leaderAsync(String election) {
        return transport.send(Call.read(base + election + "/leader")).thenApply(response -> {
            if (response.is(404, "ELECTION_NOT_FOUND")) {
                return Optional.empty();
            }
            if (response.status() != 200) {
                throw response.failure();
            }
            return Optional.of(leader(response.json()));
        });
    }

    @Override
    public CompletableFuture<Boolean> proclaimAsync(String election, Lease lease, long token, String value) {
        ObjectNode body = Json.object().put("lease", Long.toString(lease.id())).put("token", token);
        Json.putBytes(body, "value", value.getBytes(StandardCharsets.UTF_8));
        return transport.send(Call.write("POST", base + election + "/proclaim").json(body)).thenApply(response -> {
            if (response.is(409, "NOT_LEADER") || response.is(404, "ELECTION_NOT_FOUND")) {
                return false;
            }
            if (response.status() != 200) {
                throw response.failure();
            }
            return true;
        });
    }

    @Override
    public CompletableFuture<Boolean> resignAsync(String election, Lease lease) {
        ObjectNode body = Json.object().put("lease", Long.toString(lease.id()));
        return transport.send(Call.write("POST", base + election + "/resign").json(body)).thenApply(response -> {
            if (response.is(404, "NOT_CANDIDATE")) {
                return false;
            }
            if (response.status() != 200) {
                throw response.failure();
            }
            return true;
        });
    }

    @Override
    public CompletableFuture<Subscription> observeAsync(String election, Consumer<Optional<Leader>> onChange) {
        return new Observation(election, onChange).start();
    }

    private static Leader leader(JsonNode json) {
        byte[] value = Json.bytes(json, "value");
        return new Leader(value == null ? null : new String(value, StandardCharsets.UTF_8), Json.lease(json, "lease"),
                Json.number(json, "token"), Json.string(json, "key"), Json.number(json, "revision"));
    }

    /** One observation, restarted on the current owner whenever its socket drops; repeats of the same state are not delivered. */
    private final class Observation extends SocketAttempts<Subscription> implements Subscription {
        private final String election;
        private final Consumer<Optional<Leader>> onChange;
        private final String name = "o" + IDS.incrementAndGet();
        private int attempts;
        private boolean delivered;
        private Leader last;
        private volatile long lastRevision;

        Observation(String election, Consumer<Optional<Leader>> onChange) {
            super(HttpElections.this.transport);
            this.election = election;
            this.onChange = onChange;
        }

        CompletableFuture<Subscription> start() {
            synchronized (this) {
                next();
            }
            return started;
        }

        @Override
        protected void next() {
            String id = name + "." + (++attempts);
            attemptId = id;
            sockets.owner().whenComplete((s, error) -> {
                synchronized (this) {
                    if (stopped || !id.equals(attemptId)) {
                        return;
                    }
                    if (error != null || !s.register(id, this)) {
                        retryLater(error);
                        return;
                    }
                    socket = s;
                    s.send(Json.object().put("type", "observe").put("id", id).put("election", election));
                }
            });
        }

        @Override
        protected String what() {
            return "the observation of " + election;
        }

        @Override
        public synchronized void onFrame(WatchSocket from, JsonNode frame) {
            if (stopped || !attemptId.equals(Json.string(frame, "id"))) {
                return;
            }
            String type = String.valueOf(Json.string(frame, "type"));
            switch (type) {
                case "leader", "no-leader" -> {
                    succeeded();
                    lastRevision = Json.number(frame, "revision");
                    Leader now = type.equals("leader") ? leader(frame) : null;
                    if (!delivered || !sameState(last, now)) {
                        delivered = true;
                        last = now;
                        onChange.accept(Optional.ofNullable(now));
                    }
                    started.complete(this);
                }
                case "progress" -> lastRevision = Json.number(frame, "revision");
                case "cancelled" -> {
                    from.unregister(attemptId);
                    if ("store-deleted".equals(Json.string(frame, "reason"))) {
                        stopped = true;
                    } else {
                        next();
                    }
                }
                case "error" -> {
                    from.unregister(attemptId);
                    String code = Json.string(frame, "code");
                    DkvException error = "UNAVAILABLE".equals(code) || "INTERNAL".equals(code) || "TIMEOUT".equals(code)
                            ? new DkvException.Unavailable(code, 503, Json.string(frame, "message"), null)
                            : new DkvException.Rejected(code, 400, code + ": " + Json.string(frame, "message"));
                    if (error instanceof DkvException.Rejected && started.isDone()) {
                        stopped = true;
                    } else {
                        retryLater(error);
                    }
                }
                default -> {
                }
            }
        }

        private boolean sameState(Leader a, Leader b) {
            return a == null ? b == null : b != null && a.token() == b.token() && a.lease() == b.lease() && Objects.equals(a.value(), b.value());
        }

        @Override
        public synchronized void onSocketLost(WatchSocket from) {
            if (!stopped && from == socket) {
                retryLater(null);
            }
        }

        @Override
        public void stop() {
            stopAttempts();
        }

        @Override
        public long lastRevision() {
            return lastRevision;
        }
    }
}
