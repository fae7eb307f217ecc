package io.dkv.gateway.election;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.auth.OpenStreams;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.Limits;
import io.dkv.gateway.election.internals.Candidates;
import io.dkv.gateway.election.internals.Candidates.Candidate;
import io.dkv.gateway.election.internals.ElectionWatch;
import io.dkv.gateway.internals.CommandBus;
import io.dkv.gateway.internals.Commands;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.OwnerReads;
import io.dkv.gateway.internals.Owners;
import io.dkv.gateway.internals.ReadForwarder;
import io.dkv.gateway.internals.SseStream;
import io.dkv.gateway.internals.StateReader;
import io.dkv.gateway.watch.SocketSubscription;
import io.dkv.gateway.watch.WatchRequest;
import io.dkv.gateway.watch.internals.SseWatchResponse;
import io.dkv.gateway.watch.internals.Watch;
import io.dkv.gateway.watch.internals.WatchStarter;
import io.dkv.schemas.CommandType;
import io.dkv.schemas.Compare;
import io.dkv.schemas.CompareOp;
import io.dkv.schemas.CompareTarget;
import io.dkv.schemas.Op;
import io.dkv.schemas.OpType;
import io.dkv.schemas.Reply;
import io.dkv.schemas.Txn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Leader election per store, by name, on leases: the routes campaign, leader, observe, proclaim and resign.
 *
 * <p>A candidate is an ordinary key of the store, {@code _elections/<name>/<lease id>}, put with
 * its lease: it leaves the election when it resigns (the key is deleted) or when its lease ends
 * (expiry deletes the key). The leader is the candidate whose key was created first (the lowest
 * creation revision, etcd's rule), and that creation revision is its <em>token</em>: every new
 * leader of an election has a higher token than every earlier one. A leader guards its writes with a
 * transaction that compares its key's {@code createRevision} with its token, so a leader whose lease
 * lapsed cannot write on a stale belief. Waiting for leadership and {@code observe} ride the
 * ordinary watch feed of the key prefix; nothing polls.
 *
 * <p>Every route runs on the instance that owns the store (it reads the candidates there) and is
 * forwarded there from any other. Handlers never block.
 */
public final class ElectionHandlers {
    /** The key prefix under which every election of a store keeps its candidates. */
    public static final String KEY_PREFIX = "_elections/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Set<String> CAMPAIGN_FIELDS = Set.of("lease", "value", "valueBase64", "waitMs");
    private static final Set<String> PROCLAIM_FIELDS = Set.of("lease", "token", "value", "valueBase64");
    private static final Set<String> RESIGN_FIELDS = Set.of("lease", "token");

    /**
     * @param maxCandidates most candidates one election may have; more → 429 TOO_MANY_CANDIDATES
     * @param maxWaitMs longest {@code waitMs} a campaign may ask for
     */
    public record ElectionLimits(int maxCandidates, long maxWaitMs) {
    }

    private final Vertx vertx;
    private final CommandBus bus;
    private final StateReader reader;
    private final OwnerReads reads;
    private final Owners owners;
    private final ReadForwarder forwarder;
    private final WatchStarter watches;
    private final OpenStreams streams;
    private final Limits limits;
    private final ElectionLimits electionLimits;
    private final Duration timeout;

    public ElectionHandlers(Vertx vertx, CommandBus bus, StateReader reader, OwnerReads reads, Owners owners,
            ReadForwarder forwarder, WatchStarter watches, Limits limits, ElectionLimits electionLimits, Duration timeout,
            OpenStreams streams) {
        this.vertx = vertx;
        this.streams = streams;
        this.bus = bus;
        this.reader = reader;
        this.reads = reads;
        this.owners = owners;
        this.forwarder = forwarder;
        this.watches = watches;
        this.limits = limits;
        this.electionLimits = electionLimits;
        this.timeout = timeout;
    }

    /**
     * POST …/elections/{name}/campaign {@code {"lease","value","waitMs"}} → {@code {"leader","token","position","key"}}.
     * Joins the election (campaigning again with the same lease keeps the place and sets the value).
     * With {@code waitMs} the answer waits until this candidate leads or the wait ends; then
     * {@code leader} is false and {@code position} says how many candidates are ahead. The candidacy
     * stays either way, until resign or the lease's end.
     */
    public void campaign(RoutingContext ctx) {
        String store = Http.store(ctx);
        String name = name(ctx);
        Access.require(ctx, Action.ELECT, store, name.getBytes(StandardCharsets.UTF_8));
        Http.query(ctx);
        JsonObject body = Http.jsonBody(ctx, CAMPAIGN_FIELDS, "a campaign has lease, value (or valueBase64) and an optional waitMs");
        long lease = lease(body);
        byte[] value = value(body);
        long waitMs = Http.waitMs(body, electionLimits.maxWaitMs(), "--max-campaign-wait-ms");
        OptionalInt partition = owners.localPartitionOrForward(store,
                owner -> forwarder.forward(ctx, owner, waitMs + timeout.toMillis()));
        if (partition.isEmpty()) {
            return;
        }
        byte[] key = candidateKey(name, lease);
        reader.read(store, partition.getAsInt(), 0, view -> view.list(prefix(name), null, electionLimits.maxCandidates() + 1))
                .compose(snapshot -> {
                    List<StateReader.Entry> entries = snapshot.value().entries();
                    if (entries.size() >= electionLimits.maxCandidates() && entries.stream().noneMatch(e -> Arrays.equals(e.key(), key))) {
                        throw new ApiException(ErrorCode.TOO_MANY_CANDIDATES, "election " + name + " has " + electionLimits.maxCandidates()
                                + " candidates, the most --max-candidates-per-election allows; wait for one to leave");
                    }
                    return send(ctx, store, List.of(), put(key, value, lease));
                })
                .onSuccess(reply -> {
                    long token = reply.getResults().get(0).getCurrent().getCreateRevision();
                    if (waitMs > 0) {
                        new CampaignWait(ctx, key, token, waitMs).start(store, name, partition.getAsInt());
                    } else {
                        answerNow(ctx, store, name, partition.getAsInt(), key, token, reply.getRevision());
                    }
                })
                .onFailure(ctx::fail);
    }

    /** A campaign that does not wait: where the candidate stands at (or after) its own revision. */
    private void answerNow(RoutingContext ctx, String store, String name, int partition, byte[] key, long token, long revision) {
        reader.read(store, partition, revision, view -> everyCandidate(view, name))
                .onSuccess(snapshot -> {
                    Candidates candidates = Candidates.of(snapshot.value().entries());
                    Candidate me = candidates.candidate(key);
                    if (me == null || me.token() != token) {
                        ctx.fail(candidacyEnded());
                        return;
                    }
                    int position = candidates.position(token);
                    answer(ctx, key, token, position);
                })
                .onFailure(ctx::fail);
    }

    private static void answer(RoutingContext ctx, byte[] key, long token, int position) {
        Http.json(ctx, 200, new JsonObject().put("leader", position == 0).put("token", token).put("position", position)
                .put("key", new String(key, StandardCharsets.UTF_8)));
    }

    private static ApiException candidacyEnded() {
        return new ApiException(ErrorCode.NOT_CANDIDATE, "the candidacy ended while waiting (its lease ended, or it resigned); campaign again");
    }

    /** GET …/elections/{name}/leader → {@code {"value","lease","token","key","candidates"}}, or 404 ELECTION_NOT_FOUND. */
    public void leader(RoutingContext ctx) {
        String store = Http.store(ctx);
        String name = name(ctx);
        Access.require(ctx, Action.ELECT, store, name.getBytes(StandardCharsets.UTF_8));
        Http.query(ctx);
        long minRevision = Http.revisionHeader(ctx, Http.MIN_REVISION_HEADER, 0);
        reads.read(ctx, store, minRevision, view -> everyCandidate(view, name), snapshot -> {
            Candidates candidates = Candidates.of(snapshot.value().entries());
            Candidate leader = candidates.leader();
            if (leader == null) {
                throw noCandidate(store, name);
            }
            Http.revision(ctx.response(), snapshot.revision());
            Http.json(ctx, 200, render(leader).put("candidates", candidates.size()).put("revision", snapshot.revision()));
        });
    }

    /**
     * GET …/elections/{name}/observe: Server-Sent Events of the leadership. First the current state,
     * then one message per change: {@code leader} (value, lease, token, key; SSE id = revision) when
     * a new candidate leads or the leader proclaims a new value, {@code no-leader} when the last
     * candidate left; {@code progress} while idle; {@code cancelled} if the stream has to end.
     */
    public void observe(RoutingContext ctx) {
        String store = Http.store(ctx);
        String name = name(ctx);
        Access.require(ctx, Action.ELECT, store, name.getBytes(StandardCharsets.UTF_8));
        Http.query(ctx);
        OptionalInt partition = owners.localPartitionOrForward(store, owner -> forwarder.forwardStream(ctx, owner));
        if (partition.isEmpty()) {
            return;
        }
        SseStream stream = new SseStream(ctx.response());
        LeaderEvents events = new LeaderEvents(stream);
        SseWatchResponse.serve(ctx, watches.start(prefixWatch(store, name), new ElectionWatch(events), partition.getAsInt()), stream,
                events::cancelled, streams, Action.ELECT, store, name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code observe} on the watch WebSocket: the frame {@code {"type":"observe","id":…,"election":"<name>"}}
     * starts it; then {@code leader} / {@code no-leader} frames as on the SSE stream, plus
     * {@code progress} and {@code cancelled}.
     */
    public SocketSubscription observeOverWebSocket() {
        return new SocketSubscription() {
            @Override
            public Watch start(String store, int partition, JsonObject request, Access access, Frames frames) {
                return observeOverWebSocket(store, partition, request, access, frames);
            }

            @Override
            public Grant grant(JsonObject request) {
                return new Grant(Action.ELECT, electionOf(request).getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    private static String electionOf(JsonObject request) {
        return name(request.getValue("election") instanceof String s ? s : null);
    }

    private Watch observeOverWebSocket(String store, int partition, JsonObject request, Access access, SocketSubscription.Frames frames) {
        String name = electionOf(request);
        access.require(Action.ELECT, store, name.getBytes(StandardCharsets.UTF_8));
        WatchStarter.Started started = watches.start(prefixWatch(store, name), new ElectionWatch(new ElectionWatch.Listener() {
            @Override
            public void opened() {
                frames.send("created", new JsonObject());
            }

            @Override
            public void changed(Candidates candidates, long revision, boolean leaderChanged) {
                if (leaderChanged) {
                    Candidate leader = candidates.leader();
                    frames.send(leadershipType(leader), leadership(leader, revision));
                }
            }

            @Override
            public void progress(long revision) {
                frames.send("progress", new JsonObject().put("revision", revision));
            }

            @Override
            public void cancelled(String reason, long resumeRevision) {
                frames.send("cancelled", new JsonObject().put("reason", reason));
                frames.end();
            }

            @Override
            public boolean writeQueueFull() {
                return frames.writeQueueFull();
            }

            @Override
            public void drainHandler(Runnable onDrain) {
                frames.drainHandler(onDrain);
            }

            @Override
            public void end() {
                frames.end();
            }
        }), partition);
        started.ready().onFailure(frames::error);
        return started.watch();
    }

    /**
     * POST …/elections/{name}/proclaim {@code {"lease","token","value"}}: the leader changes its value,
     * atomically with the check that it still leads; anyone else gets 409 NOT_LEADER and nothing changes.
     */
    public void proclaim(RoutingContext ctx) {
        String store = Http.store(ctx);
        String name = name(ctx);
        Access.require(ctx, Action.ELECT, store, name.getBytes(StandardCharsets.UTF_8));
        Http.query(ctx);
        JsonObject body = Http.jsonBody(ctx, PROCLAIM_FIELDS, "a proclaim has lease, an optional token, and value (or valueBase64)");
        long lease = lease(body);
        Long token = token(body);
        byte[] value = value(body);
        OptionalInt partition = owners.localPartitionOrForward(store, owner -> forwarder.forward(ctx, owner));
        if (partition.isEmpty()) {
            return;
        }
        reader.read(store, partition.getAsInt(), 0, view -> everyCandidate(view, name))
                .compose(snapshot -> {
                    Candidate leader = Candidates.of(snapshot.value().entries()).leader();
                    if (leader == null) {
                        throw noCandidate(store, name);
                    }
                    if (leader.lease() != lease || (token != null && token != leader.token())) {
                        throw notLeader(name, leader);
                    }
                    // Once a candidate leads it leads until its key goes, so the key still having the
                    // leader's creation revision when the put applies means it still leads.
                    return send(ctx, store, List.of(createdAt(leader.key(), leader.token())), put(leader.key(), value, lease)).map(reply -> {
                        if (!reply.getSucceeded()) {
                            throw notLeader(name, null);
                        }
                        Http.revision(ctx.response(), reply.getRevision());
                        Http.json(ctx, 200, new JsonObject().put("leader", true).put("token", leader.token()).put("revision", reply.getRevision()));
                        return null;
                    });
                })
                .onFailure(ctx::fail);
    }

    /**
     * POST …/elections/{name}/resign {@code {"lease","token"}}: the candidate leaves the election; if it
     * led, the next candidate in order leads at this revision. A lease that is not a candidate (or
     * whose candidacy has another token) gets 404 NOT_CANDIDATE.
     */
    public void resign(RoutingContext ctx) {
        String store = Http.store(ctx);
        String name = name(ctx);
        Access.require(ctx, Action.ELECT, store, name.getBytes(StandardCharsets.UTF_8));
        Http.query(ctx);
        JsonObject body = Http.jsonBody(ctx, RESIGN_FIELDS, "a resign has lease and an optional token");
        long lease = lease(body);
        Long token = token(body);
        byte[] key = candidateKey(name, lease);
        Compare candidacy = token == null
                ? Compare.newBuilder().setKey(ByteBuffer.wrap(key)).setTarget(CompareTarget.CREATE_REVISION).setOp(CompareOp.GREATER).setNumber(0).build()
                : createdAt(key, token);
        Op delete = Op.newBuilder().setType(OpType.DELETE).setKey(ByteBuffer.wrap(key)).build();
        send(ctx, store, List.of(candidacy), delete)
                .onSuccess(reply -> {
                    if (!reply.getSucceeded()) {
                        ctx.fail(new ApiException(ErrorCode.NOT_CANDIDATE, "lease " + lease + " is not a candidate of election " + name
                                + (token == null ? "" : " with token " + token) + "; nothing changed"));
                        return;
                    }
                    Http.revision(ctx.response(), reply.getRevision());
                    Http.json(ctx, 200, new JsonObject().put("resigned", true).put("revision", reply.getRevision()));
                })
                .onFailure(ctx::fail);
    }

    /** The key a lease's candidacy in an election has: {@code _elections/<name>/<lease id>}. */
    public static byte[] candidateKey(String name, long lease) {
        return (KEY_PREFIX + name + "/" + lease).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Every candidate's key, whatever the limit: the leader is the lowest creation revision of all of
     * them, and keys written by hand or by racing campaigns can exceed {@code --max-candidates-per-election}.
     */
    private static StateReader.Page everyCandidate(StateReader.View view, String name) {
        return view.list(prefix(name), null, Integer.MAX_VALUE);
    }

    private static byte[] prefix(String name) {
        return (KEY_PREFIX + name + "/").getBytes(StandardCharsets.UTF_8);
    }

    private WatchRequest prefixWatch(String store, String name) {
        return WatchRequest.of(store, null, prefix(name), true, null, null, false, limits.maxKeyBytes());
    }

    /** Sends a transaction of {@code op} guarded by {@code compares}; fails with its API error unless its status is OK. */
    private Future<Reply> send(RoutingContext ctx, String store, List<Compare> compares, Op op) {
        Txn txn = Txn.newBuilder().setCompare(compares).setSuccess(List.of(op)).setFailure(List.of()).build();
        return Commands.sendChecked(vertx, bus, Commands.of(ctx, store, CommandType.TXN, txn), timeout);
    }

    private static Op put(byte[] key, byte[] value, long lease) {
        return Op.newBuilder().setType(OpType.PUT).setKey(ByteBuffer.wrap(key)).setValue(ByteBuffer.wrap(value)).setLease(lease).build();
    }

    private static Compare createdAt(byte[] key, long token) {
        return Compare.newBuilder().setKey(ByteBuffer.wrap(key)).setTarget(CompareTarget.CREATE_REVISION)
                .setOp(CompareOp.EQUAL).setNumber(token).build();
    }

    /** The message type of a leadership change: {@code leader}, or {@code no-leader} when the last candidate left. */
    private static String leadershipType(Candidate leader) {
        return leader == null ? "no-leader" : "leader";
    }

    private static JsonObject leadership(Candidate leader, long revision) {
        return (leader == null ? new JsonObject() : render(leader)).put("revision", revision);
    }

    private static JsonObject render(Candidate candidate) {
        JsonObject json = new JsonObject();
        Http.bytes(json, "value", candidate.value());
        return json.put("lease", Long.toString(candidate.lease())).put("token", candidate.token())
                .put("key", new String(candidate.key(), StandardCharsets.UTF_8));
    }

    private static String name(RoutingContext ctx) {
        return name(ctx.pathParam("name"));
    }

    private static String name(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ApiException(ErrorCode.INVALID_ELECTION, "election names are 1 to 128 letters, digits, '.', '_', ':' or '-'; got '" + name + "'");
        }
        return name;
    }

    private static long lease(JsonObject body) {
        Object lease = body.getValue("lease");
        if (lease == null) {
            throw new ApiException(ErrorCode.INVALID_LEASE, "lease is required: the id of a lease of this store, which holds the candidacy");
        }
        return Http.parseLease(lease instanceof String s ? s : String.valueOf(lease), "lease");
    }

    private static Long token(JsonObject body) {
        Object token = body.getValue("token");
        if (token == null) {
            return null;
        }
        if (!(token instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < 1) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "token must be the positive integer a campaign or leader call returned");
        }
        return n.longValue();
    }

    private byte[] value(JsonObject body) {
        byte[] value = Http.bytesField(body, "value", "the body");
        if (value == null) {
            return new byte[0];
        }
        if (value.length > limits.maxValueBytes()) {
            throw new ApiException(ErrorCode.VALUE_TOO_LARGE, "values are limited to " + limits.maxValueBytes() + " bytes; this one has " + value.length);
        }
        return value;
    }

    private static ApiException noCandidate(String store, String name) {
        return new ApiException(ErrorCode.ELECTION_NOT_FOUND, "election " + name + " of store " + store
                + " has no candidate, so no leader; campaign to join it");
    }

    private static ApiException notLeader(String name, Candidate leader) {
        JsonObject details = new JsonObject();
        if (leader != null) {
            details.put("leaderToken", leader.token());
        }
        return new ApiException(ErrorCode.NOT_LEADER, "this lease does not lead election " + name + " (any more); nothing changed", details);
    }

    /** One campaign's wait for leadership: answers once, when it leads, when the wait ends, or when its candidacy ends. */
    private final class CampaignWait implements ElectionWatch.Listener {
        private final RoutingContext ctx;
        private final byte[] key;
        private final long token;
        private final long waitMs;
        private WatchStarter.Started started;
        private long timer = -1;
        private int position = -1;
        private boolean answered;

        CampaignWait(RoutingContext ctx, byte[] key, long token, long waitMs) {
            this.ctx = ctx;
            this.key = key;
            this.token = token;
            this.waitMs = waitMs;
        }

        void start(String store, String name, int partition) {
            started = watches.start(prefixWatch(store, name), new ElectionWatch(this), partition);
            ctx.response().closeHandler(v -> finish());
            started.ready().onFailure(e -> fail(e instanceof ApiException api ? api
                    : new ApiException(ErrorCode.UNAVAILABLE, "cannot follow the election: " + e.getMessage() + "; campaign again with the same lease")));
        }

        @Override
        public void opened() {
        }

        @Override
        public void changed(Candidates candidates, long revision, boolean leaderChanged) {
            Candidate me = candidates.candidate(key);
            if (me == null || me.token() != token) {
                fail(candidacyEnded());
                return;
            }
            boolean first = position < 0;
            position = candidates.position(token);
            if (position == 0) {
                answer();
            } else if (first) {
                timer = vertx.setTimer(waitMs, t -> answer());
            }
        }

        @Override
        public void progress(long revision) {
        }

        @Override
        public void cancelled(String reason, long resumeRevision) {
            fail(new ApiException(ErrorCode.UNAVAILABLE, "stopped following the election (" + reason + "); campaign again with the same lease"));
        }

        @Override
        public boolean writeQueueFull() {
            return false;
        }

        @Override
        public void drainHandler(Runnable onDrain) {
        }

        @Override
        public void end() {
        }

        private void answer() {
            if (finish()) {
                ElectionHandlers.answer(ctx, key, token, position);
            }
        }

        private void fail(ApiException e) {
            if (finish()) {
                ctx.fail(e);
            }
        }

        /** @return whether this call is the one that ends the wait */
        private boolean finish() {
            if (answered) {
                return false;
            }
            answered = true;
            vertx.cancelTimer(timer);
            started.watch().close();
            return true;
        }
    }

    /** Writes an election's leadership as Server-Sent Events; used on the request's context only. */
    private static final class LeaderEvents implements ElectionWatch.Listener {
        private final SseStream stream;

        LeaderEvents(SseStream stream) {
            this.stream = stream;
        }

        @Override
        public void opened() {
            stream.open("dkv election");
        }

        @Override
        public void changed(Candidates candidates, long revision, boolean leaderChanged) {
            if (leaderChanged) {
                Candidate leader = candidates.leader();
                stream.send(Long.toString(revision), leadershipType(leader), leadership(leader, revision));
            }
        }

        @Override
        public void progress(long revision) {
            stream.send(null, "progress", new JsonObject().put("revision", revision));
        }

        @Override
        public void cancelled(String reason, long resumeRevision) {
            stream.send(null, "cancelled", new JsonObject().put("reason", reason));
            end();
        }

        @Override
        public boolean writeQueueFull() {
            return stream.writeQueueFull();
        }

        @Override
        public void drainHandler(Runnable onDrain) {
            stream.drainHandler(onDrain);
        }

        @Override
        public void end() {
            stream.end();
        }
    }
}
