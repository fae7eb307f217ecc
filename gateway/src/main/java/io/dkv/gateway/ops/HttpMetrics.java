package io.dkv.gateway.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * Times every HTTP request by method, route template and status into
 * {@code dkv_http_server_requests_seconds}. Routes tag themselves with {@link #tag(String)}, so
 * the route label is the template ({@code /v1/stores/:store/kv/*}), never the raw path.
 */
public final class HttpMetrics implements Handler<RoutingContext> {
    private static final String ROUTE = "dkv.route";

    private final MeterRegistry registry;

    public HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A handler that records the route template of the request, then passes it on. */
    public static Handler<RoutingContext> tag(String route) {
        return ctx -> {
            ctx.put(ROUTE, route);
            ctx.next();
        };
    }

    @Override
    public void handle(RoutingContext ctx) {
        long started = System.nanoTime();
        ctx.addEndHandler(ar -> {
            String route = ctx.get(ROUTE);
            Timer.builder("dkv.http.server.requests")
                    .description("HTTP requests served, by route and status")
                    .tag("method", ctx.request().method().name())
                    .tag("route", route == null ? "unmatched" : route)
                    .tag("status", Integer.toString(ctx.response().getStatusCode()))
                    .publishPercentileHistogram()
                    .register(registry)
                    .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        });
        ctx.next();
    }
}
