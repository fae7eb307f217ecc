package io.dkv.gateway.internals;

import io.vertx.ext.web.RoutingContext;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a request's read against the store's state on the instance that owns it: here, through
 * {@link StateReader}, or by forwarding the whole request there ({@link ReadForwarder}). Thread-safe;
 * never blocks the caller.
 */
public final class OwnerReads {
    private final StateReader reader;
    private final Owners owners;
    private final ReadForwarder forwarder;

    public OwnerReads(StateReader reader, Owners owners, ReadForwarder forwarder) {
        this.reader = reader;
        this.owners = owners;
        this.forwarder = forwarder;
    }

    /**
     * Reads once the local state reached {@code minRevision} and renders what was read; any failure,
     * from the read or from {@code render}, fails {@code ctx}. A request for a store owned elsewhere
     * is forwarded and answered by the owner instead.
     */
    public <T> void read(RoutingContext ctx, String store, long minRevision, Function<StateReader.View, T> query,
            Consumer<StateReader.Snapshot<T>> render) {
        OptionalInt partition = owners.localPartitionOrForward(store, owner -> forwarder.forward(ctx, owner));
        if (partition.isEmpty()) {
            return;
        }
        reader.read(store, partition.getAsInt(), minRevision, query).onComplete(ar -> {
            try {
                if (ar.failed()) {
                    throw ar.cause() instanceof RuntimeException re ? re : new IllegalStateException(ar.cause());
                }
                render.accept(ar.result());
            } catch (RuntimeException e) {
                ctx.fail(e);
            }
        });
    }
}
