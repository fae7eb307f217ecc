package io.dkv.gateway;

import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.auth.Authentication;
import io.dkv.gateway.election.ElectionHandlers;
import io.dkv.gateway.internals.Http;
import io.dkv.gateway.internals.PercentEncodingCheck;
import io.dkv.gateway.kv.KvHandlers;
import io.dkv.gateway.lease.LeaseHandlers;
import io.dkv.gateway.lease.LeaseKeepAliveSocket;
import io.dkv.gateway.limit.AbuseLimits;
import io.dkv.gateway.lock.LockHandlers;
import io.dkv.gateway.ops.HttpMetrics;
import io.dkv.gateway.ops.Readiness;
import io.dkv.gateway.store.StoreHandlers;
import io.dkv.gateway.tls.ServerTls;
import io.dkv.gateway.watch.SseWatchHandler;
import io.dkv.gateway.watch.WebSocketWatchHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DKV's HTTP API: the routes of {@code /openapi.yaml}, error rendering ({@link ApiException} →
 * status + {@code {"code","message"}}), request metrics, health and readiness.
 */
public final class HttpGateway {
    private static final Logger LOG = LoggerFactory.getLogger(HttpGateway.class);

    private final Vertx vertx;
    private final Router router;
    private final Buffer openApi;
    private final HttpServerOptions serverOptions;
    private final AbuseLimits abuseLimits;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private String deployment;
    private int port;

    public HttpGateway(Vertx vertx, KvHandlers kv, StoreHandlers stores, LeaseHandlers leases, LeaseKeepAliveSocket leaseKeepAlive,
            LockHandlers locks, ElectionHandlers elections,
            SseWatchHandler sseWatch,
            WebSocketWatchHandler webSocketWatch, Readiness readiness,
            PrometheusMeterRegistry registry, Limits limits, Authentication authentication, boolean metricsPublic,
            AbuseLimits abuseLimits, ServerTls tls) {
        this.vertx = vertx;
        this.openApi = resource("/openapi.yaml");
        this.router = Router.router(vertx);
        this.abuseLimits = abuseLimits;
        HttpServerOptions options = new HttpServerOptions().setMaxInitialLineLength(limits.maxRequestLineBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes());
        this.serverOptions = tls == null ? options : tls.apply(options);
        router.route().useNormalizedPath(false).handler(new HttpMetrics(registry));
        if (abuseLimits.limitsConnections()) {
            router.route().useNormalizedPath(false).handler(abuseLimits::checkConnection);
        }
        router.route().useNormalizedPath(false).handler(new PercentEncodingCheck());
        // Before the body is read: a caller without credentials never gets a request body buffered.
        router.route("/v1/*").useNormalizedPath(false).handler(authentication);
        if (abuseLimits.limitsRate()) {
            router.route("/v1/*").useNormalizedPath(false).handler(abuseLimits::checkRate);
        }
        if (!metricsPublic) {
            router.route(HttpMethod.GET, "/metrics").useNormalizedPath(false).handler(authentication).handler(ctx -> {
                Access.requireEveryStore(ctx, Action.METRICS);
                ctx.next();
            });
        }
        // Only writes have bodies; a GET must stay unread so /ws and /leases/keepalive can upgrade it to a WebSocket.
        router.route("/v1/*").useNormalizedPath(false).method(HttpMethod.PUT).method(HttpMethod.POST)
                .handler(BodyHandler.create(false).setBodyLimit(limits.maxRequestBytes()));

        route(HttpMethod.GET, "/v1/stores", stores::list);
        route(HttpMethod.PUT, "/v1/stores/:store", stores::create);
        route(HttpMethod.GET, "/v1/stores/:store", stores::describe);
        route(HttpMethod.DELETE, "/v1/stores/:store", stores::delete);
        route(HttpMethod.GET, "/v1/stores/:store/kv", kv::list);
        route(HttpMethod.GET, "/v1/stores/:store/kv/*", kv::get);
        route(HttpMethod.PUT, "/v1/stores/:store/kv/*", kv::put);
        route(HttpMethod.DELETE, "/v1/stores/:store/kv/*", kv::delete);
        route(HttpMethod.POST, "/v1/stores/:store/txn", kv::txn);
        route(HttpMethod.POST, "/v1/stores/:store/leases", leases::grant);
        route(HttpMethod.POST, "/v1/stores/:store/leases/refresh", leases::refreshMany);
        route(HttpMethod.GET, "/v1/stores/:store/leases", leases::list);
        route(HttpMethod.GET, "/v1/stores/:store/leases/keepalive", leaseKeepAlive);
        route(HttpMethod.GET, "/v1/stores/:store/leases/:id", leases::describe);
        route(HttpMethod.DELETE, "/v1/stores/:store/leases/:id", leases::revoke);
        route(HttpMethod.POST, "/v1/stores/:store/leases/:id/refresh", leases::refresh);
        route(HttpMethod.POST, "/v1/stores/:store/locks/*", locks::post);
        route(HttpMethod.GET, "/v1/stores/:store/locks/*", locks::describe);
        route(HttpMethod.DELETE, "/v1/stores/:store/locks/*", locks::release);
        route(HttpMethod.POST, "/v1/stores/:store/elections/:name/campaign", elections::campaign);
        route(HttpMethod.GET, "/v1/stores/:store/elections/:name/leader", elections::leader);
        route(HttpMethod.GET, "/v1/stores/:store/elections/:name/observe", elections::observe);
        route(HttpMethod.POST, "/v1/stores/:store/elections/:name/proclaim", elections::proclaim);
        route(HttpMethod.POST, "/v1/stores/:store/elections/:name/resign", elections::resign);
        route(HttpMethod.GET, "/v1/stores/:store/watch", sseWatch);
        route(HttpMethod.GET, "/v1/stores/:store/ws", webSocketWatch);

        route(HttpMethod.GET, "/health", ctx -> Http.json(ctx, 200, new JsonObject().put("status", "UP")));
        route(HttpMethod.GET, "/ready", ctx -> Http.json(ctx, readiness.ready() ? 200 : 503, readiness.status()));
        route(HttpMethod.GET, "/metrics", ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape()));
        route(HttpMethod.GET, "/openapi.yaml", ctx -> ctx.response()
                .putHeader("Content-Type", "application/yaml").end(openApi));

        router.route().failureHandler(this::renderFailure);
        for (int status : new int[] {400, 413, 500}) {
            router.errorHandler(status, this::renderFailure);
        }
        router.errorHandler(404, ctx -> Http.json(ctx, 404, new ApiException(ErrorCode.NOT_FOUND,
                "no such endpoint: " + ctx.request().method() + " " + ctx.request().path() + "; see /openapi.yaml").body()));
        router.errorHandler(405, ctx -> Http.json(ctx, 405, new ApiException(ErrorCode.METHOD_NOT_ALLOWED,
                ctx.request().method() + " is not allowed on " + ctx.request().path() + "; see /openapi.yaml").body()));
    }

    /**
     * Routes match the raw path, not the normalized one: a key is the rest of the path byte for byte,
     * so {@code /v1/stores/s/kv/..} must reach the key routes with the key "..", never the store route
     * that removing dot segments would make of it.
     */
    private void route(HttpMethod method, String path, Handler<RoutingContext> handler) {
        router.route(method, path).useNormalizedPath(false).handler(HttpMetrics.tag(path)).handler(handler);
    }

    /**
     * Answers what the HTTP codec could not parse (a request line or header block over its limits,
     * broken syntax) with the JSON error body every other error has, then closes the connection,
     * whose framing can no longer be trusted.
     */
    private static void renderInvalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        ApiException error;
        if (cause instanceof TooLongHttpLineException) {
            error = new ApiException(ErrorCode.URI_TOO_LONG, "the request line is over the limit (--max-request-line-bytes); "
                    + "send long keys, prefixes or cursors in a shorter form, or raise the limit");
        } else if (cause instanceof TooLongHttpHeaderException) {
            error = new ApiException(ErrorCode.HEADERS_TOO_LARGE,
                    "the request headers are over the limit (--max-header-bytes); send fewer or shorter headers, or raise the limit");
        } else {
            error = new ApiException(ErrorCode.MALFORMED_HTTP, "the request is not valid HTTP/1.1: "
                    + (cause == null ? "unparseable" : cause.getMessage()));
        }
        request.response().setStatusCode(error.status()).putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close").end(error.body().toBuffer()).onComplete(v -> request.connection().close());
    }

    private void renderFailure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        ApiException error;
        if (failure instanceof ApiException api) {
            error = api;
        } else if (ctx.statusCode() == 413) {
            error = new ApiException(ErrorCode.REQUEST_TOO_LARGE, "the request body is over the configured limit (--max-request-bytes)");
        } else if (ctx.statusCode() == 400) {
            error = new ApiException(ErrorCode.INVALID_REQUEST, failure == null ? "bad request" : failure.getMessage());
        } else {
            LOG.error("Unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), failure);
            error = new ApiException(ErrorCode.INTERNAL, "internal error: " + (failure == null ? "status " + ctx.statusCode()
                    : failure.getClass().getSimpleName() + ": " + failure.getMessage()));
        }
        if (ctx.response().ended()) {
            return;
        }
        Http.json(ctx, error.status(), error.body());
    }

    /**
     * Serves the API on {@code host:port} from {@code eventLoops} HTTP servers, each on its own event
     * loop. Vert.x hands every new connection to the next of them, so requests of different
     * connections are parsed, routed and answered in parallel; a single server would handle every
     * connection on one event loop, whatever the number of cores.
     *
     * @param port a concrete port (not 0): every server shares it
     * @return completes once every server listens, or fails with the first server that cannot
     */
    public Future<Void> listen(String host, int port, int eventLoops) {
        return vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                HttpServer server = vertx.createHttpServer(serverOptions).requestHandler(router)
                        .connectionHandler(abuseLimits::opened).invalidRequestHandler(HttpGateway::renderInvalidRequest);
                servers.add(server);
                return server.listen(port, host);
            }
        }, new DeploymentOptions().setInstances(eventLoops)).onSuccess(id -> {
            deployment = id;
            this.port = port;
        }).mapEmpty();
    }

    public int port() {
        return port;
    }

    /**
     * Serves new connections with another certificate and key (a renewed one); open connections keep
     * theirs.
     *
     * @return fails if the new pair is not valid, and the servers then keep the old one
     */
    public Future<Void> updateTls(ServerSSLOptions tls) {
        List<Future<Boolean>> updates = new ArrayList<>();
        for (HttpServer server : servers) {
            updates.add(server.updateSSLOptions(tls, true));
        }
        return Future.all(updates).mapEmpty();
    }

    /** Stops every server of {@link #listen}; requests in progress are cut off. */
    public Future<Void> close() {
        return deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment);
    }

    private static Buffer resource(String name) {
        try (InputStream in = HttpGateway.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the gateway jar");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
