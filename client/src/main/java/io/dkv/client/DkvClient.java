package io.dkv.client;

import io.dkv.client.cache.CacheOptions;
import io.dkv.client.cache.DkvCache;
import io.dkv.client.election.Elections;
import io.dkv.client.internals.Blocking;
import io.dkv.client.internals.Call;
import io.dkv.client.internals.ClientSettings;
import io.dkv.client.internals.Gateways;
import io.dkv.client.internals.Http1Connections;
import io.dkv.client.internals.HttpCache;
import io.dkv.client.internals.HttpElections;
import io.dkv.client.internals.HttpKv;
import io.dkv.client.internals.HttpLeases;
import io.dkv.client.internals.HttpLocks;
import io.dkv.client.internals.HttpWatches;
import io.dkv.client.internals.KeepAliveScheduler;
import io.dkv.client.internals.Transport;
import io.dkv.client.internals.WatchSockets;
import io.dkv.client.kv.Kv;
import io.dkv.client.lease.Leases;
import io.dkv.client.lock.Locks;
import io.dkv.client.watch.Watches;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A client of one DKV store through one or more gateways:
 * {@code DkvClient client = DkvClient.connect("teststore", "host1:7861", "host2:7861")}.
 *
 * <p>Calls spread over the gateways and fail over when one cannot be reached; a write keeps its
 * {@code DKV-Request-Id} over every retry, so DKV applies it at most once; reads see at least every
 * revision this client has seen, whichever gateway answers (read-your-writes). The parts
 * ({@link #kv()}, {@link #watch()}, {@link #leases()}, {@link #locks()}, {@link #elections()},
 * {@link #cache}) share one pool of kept-alive HTTP/1.1 connections per gateway, one scheduler
 * thread and one WebSocket per gateway. A blocking call sends its request and reads the answer on
 * the calling thread; an {@code …Async} call does so on the client's I/O threads.
 *
 * <p>Thread-safe; create one per store and application and share it. {@link #close()} stops keep-alives
 * and watches.
 */
public final class DkvClient implements AutoCloseable {
    private final Transport transport;
    private final WatchSockets sockets;
    private final KeepAliveScheduler keepAlives;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService io;
    private final Kv<String> kv;
    private final Watches<String> watches;
    private final Leases leases;
    private final Locks locks;
    private final Elections elections;

    private DkvClient(Builder builder) {
        ClientSettings settings = new ClientSettings(builder.store, builder.requestTimeout, builder.maxAttempts,
                builder.retryBackoff, builder.maxRetryBackoff, builder.bearerToken);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("dkv-client-scheduler"));
        this.io = Executors.newCachedThreadPool(daemon("dkv-client-io"));
        HttpClient.Builder http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(builder.connectTimeout).executor(io);
        if (builder.sslContext != null) {
            http.sslContext(builder.sslContext);
        }
        List<URI> gateways = new ArrayList<>();
        builder.servers.forEach(s -> gateways.add(Gateways.parse(s, builder.sslContext != null)));
        this.transport = new Transport(http.build(), new Http1Connections(builder.connectTimeout, builder.sslContext), io,
                new Gateways(gateways, builder.failoverPenalty.toNanos()), settings, scheduler);
        this.sockets = new WatchSockets(transport);
        this.keepAlives = new KeepAliveScheduler(transport);
        this.kv = new HttpKv<>(transport, Codecs.string());
        this.watches = new HttpWatches<>(sockets, Codecs.string());
        this.leases = new HttpLeases(transport, keepAlives);
        this.locks = new HttpLocks(transport, keepAlives);
        this.elections = new HttpElections(transport, sockets);
    }

    /** A client of {@code store} through {@code servers} ({@code host:port} or {@code http(s)://host:port}), with defaults. */
    public static DkvClient connect(String store, String... servers) {
        return builder().store(store).servers(servers).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The store's keys with values as UTF-8 text. */
    public Kv<String> kv() {
        return kv;
    }

    /** The store's keys with values through {@code codec}. */
    public <T> Kv<T> kv(Codec<T> codec) {
        return new HttpKv<>(transport, codec);
    }

    /** Watches with values as UTF-8 text. */
    public Watches<String> watch() {
        return watches;
    }

    public <T> Watches<T> watch(Codec<T> codec) {
        return new HttpWatches<>(sockets, codec);
    }

    /**
     * A distributed cache on the keys under {@code prefix} (for example {@code "cache/products/"}),
     * with values through {@code codec}. With a near cache it first starts its watch (blocking up to
     * the request timeout). Close it to stop that watch.
     */
    public <V> DkvCache<V> cache(String prefix, Codec<V> codec, CacheOptions options) {
        return new HttpCache<>(kv(codec), watch(codec), leases, locks, prefix, options, io);
    }

    public Leases leases() {
        return leases;
    }

    public Locks locks() {
        return locks;
    }

    public Elections elections() {
        return elections;
    }

    public String store() {
        return transport.settings().store();
    }

    /** The newest store revision any answer has shown this client. */
    public long seenRevision() {
        return transport.seenRevision();
    }

    /** Creates the store if it does not exist; true when this call created it. */
    public CompletableFuture<Boolean> createStoreAsync() {
        return transport.send(Call.write("PUT", "/v1/stores/" + store())).thenApply(response -> {
            if (response.status() != 200 && response.status() != 201) {
                throw response.failure();
            }
            return response.status() == 201;
        });
    }

    public boolean createStore() {
        return Blocking.call(() -> createStoreAsync());
    }

    /**
     * Stops keep-alives (the leases then expire after their TTL), watches and observations. Calls in
     * flight and later calls fail with {@link DkvException.Unavailable} of code {@code CLIENT_CLOSED}.
     */
    @Override
    public void close() {
        transport.close();
        keepAlives.close();
        sockets.close();
        scheduler.shutdownNow();
        io.shutdown();
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Settings of a client; not thread-safe, build once. */
    public static final class Builder {
        private String store;
        private List<String> servers = List.of("localhost:7861");
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private int maxAttempts = 6;
        private Duration retryBackoff = Duration.ofMillis(50);
        private Duration maxRetryBackoff = Duration.ofSeconds(1);
        private Duration failoverPenalty = Duration.ofSeconds(2);
        private SSLContext sslContext;
        private Supplier<String> bearerToken;

        private Builder() {
        }

        /** The store every call addresses (required). */
        public Builder store(String store) {
            this.store = Objects.requireNonNull(store);
            return this;
        }

        /** Gateways as {@code host:port} or full URLs; default {@code localhost:7861}. */
        public Builder servers(String... servers) {
            this.servers = List.of(servers);
            return this;
        }

        /** The default deadline of one call over all its attempts (a waiting lock or campaign adds its wait); default 10 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** How long to wait for a TCP (and TLS) connection to a gateway; default 2 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Attempts per call, the first included; default 6. */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("at least one attempt");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** The pause before the first retry, doubling up to {@code max}; default 50 ms up to 1 s. */
        public Builder retryBackoff(Duration first, Duration max) {
            this.retryBackoff = first;
            this.maxRetryBackoff = max;
            return this;
        }

        /** How long a gateway that could not be reached goes to the back of the order; default 2 s. */
        public Builder failoverPenalty(Duration penalty) {
            this.failoverPenalty = penalty;
            return this;
        }

        /** TLS for the gateways: {@code host:port} addresses then mean {@code https}. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /**
         * The bearer token of a DKV with an access file: a token {@code bin/dkv token} made, or a JWT.
         * Without credentials such a DKV refuses every call ({@link DkvException.Rejected}, code
         * {@code UNAUTHENTICATED}); a principal without the grant gets {@code FORBIDDEN}.
         */
        public Builder bearerToken(String token) {
            Objects.requireNonNull(token);
            return bearerToken(() -> token);
        }

        /** A bearer token asked for on every request and watch connection, for a JWT that is renewed while the client runs. */
        public Builder bearerToken(Supplier<String> token) {
            this.bearerToken = Objects.requireNonNull(token);
            return this;
        }

        /** @throws IllegalArgumentException without a store or with a malformed server address */
        public DkvClient build() {
            if (store == null) {
                throw new IllegalArgumentException("name the store the client works on: builder().store(\"…\")");
            }
            return new DkvClient(this);
        }
    }
}
