package io.dkv.gateway.internals;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.streams.StreamsNode;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Finds which DKV instance serves a store's reads: the one whose Streams task is active for the
 * store's partition. Cheap (reads Streams' cached assignment); thread-safe.
 */
public final class Owners {
    private final StreamsNode node;
    private final HostInfo self;

    public Owners(StreamsNode node, HostInfo self) {
        this.node = node;
        this.self = self;
    }

    /** Where a store lives right now. */
    public sealed interface Owner permits Local, Remote, Unavailable {
    }

    /** This instance owns the store's partition. */
    public record Local(int partition) implements Owner {
    }

    /** Another instance owns it; reads are forwarded there. */
    public record Remote(HostInfo host) implements Owner {
    }

    /** No instance owns it at the moment (start-up or rebalance). */
    public record Unavailable() implements Owner {
    }

    public Owner ownerOf(String store) {
        KeyQueryMetadata metadata = node.ownerOf(store);
        if (metadata == null || metadata == KeyQueryMetadata.NOT_AVAILABLE
                || metadata.activeHost() == null || HostInfo.unavailable().equals(metadata.activeHost())) {
            return new Unavailable();
        }
        if (metadata.activeHost().equals(self)) {
            return new Local(metadata.partition());
        }
        return new Remote(metadata.activeHost());
    }

    /**
     * The store's partition when this instance owns it; otherwise hands the owner to {@code forward}
     * (which relays the request there) and returns empty.
     *
     * @throws ApiException UNAVAILABLE while no instance owns the store (start-up, rebalance)
     */
    public OptionalInt localPartitionOrForward(String store, Consumer<HostInfo> forward) {
        Owner owner = ownerOf(store);
        if (owner instanceof Local local) {
            return OptionalInt.of(local.partition());
        }
        if (owner instanceof Remote remote) {
            forward.accept(remote.host());
            return OptionalInt.empty();
        }
        throw new ApiException(ErrorCode.UNAVAILABLE,
                "no DKV instance serves store " + store + " right now (starting or rebalancing); retry shortly");
    }

    public HostInfo self() {
        return self;
    }
}
