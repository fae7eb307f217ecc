package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dkv.client.lease.KeepAlive;
import io.dkv.client.lease.Lease;
import io.dkv.client.lease.LeaseInfo;
import io.dkv.client.lease.LeaseLostListener;
import io.dkv.client.lease.Leases;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/** {@link Leases} over {@code /leases}; keep-alives through the client's {@link KeepAliveScheduler}. Thread-safe. */
public final class HttpLeases implements Leases {
    private final Transport transport;
    private final KeepAliveScheduler keepAlives;
    private final String base;

    public HttpLeases(Transport transport, KeepAliveScheduler keepAlives) {
        this.transport = transport;
        this.keepAlives = keepAlives;
        this.base = "/v1/stores/" + transport.settings().store() + "/leases";
    }

    @Override
    public CompletableFuture<Lease> grantAsync(Duration ttl) {
        return grant(Json.object().put("ttlMs", ttl.toMillis()));
    }

    @Override
    public CompletableFuture<Lease> grantAsync(Duration ttl, long id) {
        return grant(Json.object().put("ttlMs", ttl.toMillis()).put("id", Long.toString(id)));
    }

    private CompletableFuture<Lease> grant(ObjectNode body) {
        return transport.send(Call.write("POST", base).json(body)).thenApply(response -> {
            if (response.status() != 201) {
                throw response.failure();
            }
            JsonNode json = response.json();
            return new Lease(Json.lease(json, "id"), Duration.ofMillis(Json.number(json, "ttlMs")));
        });
    }

    @Override
    public CompletableFuture<OptionalLong> refreshAsync(long id) {
        return transport.send(Call.write("POST", base + "/" + id + "/refresh")).thenApply(response -> {
            if (response.is(404, "LEASE_NOT_FOUND")) {
                return OptionalLong.empty();
            }
            if (response.status() != 200) {
                throw response.failure();
            }
            return OptionalLong.of(Json.number(response.json(), "ttlMs"));
        });
    }

    @Override
    public CompletableFuture<Boolean> revokeAsync(long id) {
        return transport.send(Call.write("DELETE", base + "/" + id)).thenApply(response -> {
            if (response.is(404, "LEASE_NOT_FOUND")) {
                return false;
            }
            if (response.status() != 200) {
                throw response.failure();
            }
            return true;
        });
    }

    @Override
    public CompletableFuture<Optional<LeaseInfo>> describeAsync(long id) {
        return transport.send(Call.read(base + "/" + id)).thenApply(response -> {
            if (response.is(404, "LEASE_NOT_FOUND")) {
                return Optional.empty();
            }
            if (response.status() != 200) {
                throw response.failure();
            }
            JsonNode json = response.json();
            return Optional.of(new LeaseInfo(Json.lease(json, "id"), Json.number(json, "ttlMs"), Json.number(json, "remainingMs"),
                    Json.number(json, "grantedAtMs"), Json.number(json, "keyCount")));
        });
    }

    @Override
    public KeepAlive keepAlive(Lease lease, LeaseLostListener onLost) {
        return keepAlives.add(lease, onLost);
    }
}
