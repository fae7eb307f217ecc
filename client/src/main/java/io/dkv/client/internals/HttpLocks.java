package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dkv.client.lease.KeepAlive;
import io.dkv.client.lease.Lease;
import io.dkv.client.lease.LeaseLostListener;
import io.dkv.client.lock.LockHandle;
import io.dkv.client.lock.LockInfo;
import io.dkv.client.lock.Locks;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@link Locks} over {@code /locks}. Thread-safe. */
public final class HttpLocks implements Locks {
    private final Transport transport;
    private final KeepAliveScheduler keepAlives;
    private final String base;

    public HttpLocks(Transport transport, KeepAliveScheduler keepAlives) {
        this.transport = transport;
        this.keepAlives = keepAlives;
        this.base = "/v1/stores/" + transport.settings().store() + "/locks/";
    }

    @Override
    public CompletableFuture<Optional<LockHandle>> acquireAsync(String key, Duration ttl, Duration wait) {
        return acquire(key, Json.object().put("ttlMs", ttl.toMillis()), wait);
    }

    @Override
    public CompletableFuture<Optional<LockHandle>> acquireAsync(String key, Lease lease, Duration wait) {
        return acquire(key, Json.object().put("lease", Long.toString(lease.id())), wait);
    }

    private CompletableFuture<Optional<LockHandle>> acquire(String key, ObjectNode body, Duration wait) {
        body.put("waitMs", wait.toMillis());
        Call call = Call.write("POST", path(key)).json(body).timeout(wait.plus(transport.settings().requestTimeout()));
        return transport.send(call).thenApply(response -> {
            if (response.is(409, "LOCKED")) {
                return Optional.empty();
            }
            if (response.status() != 200) {
                throw response.failure();
            }
            return Optional.of(new HttpLockHandle(key, response.json()));
        });
    }

    @Override
    public CompletableFuture<LockInfo> describeAsync(String key) {
        return transport.send(Call.read(path(key))).thenApply(response -> {
            if (response.status() != 200) {
                throw response.failure();
            }
            JsonNode json = response.json();
            return new LockInfo(json.path("locked").asBoolean(), Json.number(json, "fencingToken"), Json.number(json, "expiresAt"),
                    Json.number(json, "ttlMs"), Json.lease(json, "lease"), Json.number(json, "waiters"));
        });
    }

    private String path(String key) {
        if (key.isEmpty()) {
            throw new IllegalArgumentException("a key is at least one byte");
        }
        return base + PathEncoding.encode(key);
    }

    private final class HttpLockHandle implements LockHandle {
        private final String key;
        private final String handle;
        private final long fencingToken;
        private final long lease;
        private final boolean ownLease;
        private final Duration ttl;
        private volatile long expiresAtMs;
        private volatile KeepAlive keepAlive;

        HttpLockHandle(String key, JsonNode grant) {
            this.key = key;
            this.handle = Json.string(grant, "handle");
            this.fencingToken = Json.number(grant, "fencingToken");
            this.lease = Json.lease(grant, "lease");
            this.ownLease = grant.path("ownLease").asBoolean();
            this.ttl = Duration.ofMillis(Json.number(grant, "ttlMs"));
            this.expiresAtMs = Json.number(grant, "expiresAt");
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public String handle() {
            return handle;
        }

        @Override
        public long fencingToken() {
            return fencingToken;
        }

        @Override
        public long expiresAtMs() {
            return expiresAtMs;
        }

        @Override
        public long lease() {
            return lease;
        }

        @Override
        public boolean ownLease() {
            return ownLease;
        }

        @Override
        public CompletableFuture<Boolean> refreshAsync() {
            return transport.send(Call.write("POST", path(key) + "/refresh").header("DKV-Lock", handle)).thenApply(response -> {
                if (response.is(423, "LOCKED")) {
                    return false;
                }
                if (response.status() != 200) {
                    throw response.failure();
                }
                expiresAtMs = Json.number(response.json(), "expiresAt");
                return true;
            });
        }

        @Override
        public CompletableFuture<Boolean> releaseAsync() {
            KeepAlive running = keepAlive;
            if (running != null) {
                running.close();
            }
            return transport.send(Call.write("DELETE", path(key)).header("DKV-Lock", handle)).thenApply(response -> {
                if (response.is(423, "LOCKED")) {
                    return false;
                }
                if (response.status() != 200) {
                    throw response.failure();
                }
                return true;
            });
        }

        @Override
        public KeepAlive keepAlive(LeaseLostListener onLost) {
            keepAlive = keepAlives.add(new Lease(lease, ttl), onLost);
            return keepAlive;
        }

        @Override
        public String toString() {
            return "lock " + key + " #" + fencingToken;
        }
    }
}
