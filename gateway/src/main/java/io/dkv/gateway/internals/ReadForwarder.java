package io.dkv.gateway.internals;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.auth.Access;
import io.dkv.gateway.auth.Authentication;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Reads from other DKV instances: forwards a read to the instance that owns the store and relays
 * its answer unchanged, or fetches a JSON document from one. A forwarded request carries
 * {@link #FORWARDED_HEADER}, and is never forwarded again, so a request cannot bounce between
 * instances during a rebalance. Thread-safe; every call returns at once (Vert.x client).
 */
public final class ReadForwarder {
    public static final String FORWARDED_HEADER = "DKV-Forwarded";
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "host", "content-length");

    private final HttpClientAgent client;
    private final long timeoutMs;

    /**
     * @param clientOptions how to reach the other instances: TLS and whom to trust when their API is
     *     HTTPS; keep-alive is turned on
     */
    public ReadForwarder(Vertx vertx, long timeoutMs, HttpClientOptions clientOptions) {
        this.client = vertx.createHttpClient(new HttpClientOptions(clientOptions).setKeepAlive(true));
        this.timeoutMs = timeoutMs;
    }

    public static boolean isForwarded(RoutingContext ctx) {
        return ctx.request().headers().contains(FORWARDED_HEADER);
    }

    /**
     * Sends the request of {@code ctx}, with its body if it has one, to {@code host} and writes its
     * response to {@code ctx}.
     */
    public void forward(RoutingContext ctx, HostInfo host) {
        forward(ctx, host, timeoutMs);
    }

    /**
     * {@link #forward} for a request the owner may hold for up to {@code timeoutMs} (a campaign that
     * waits for leadership); the request's body, if it has one, goes with it.
     */
    public void forward(RoutingContext ctx, HostInfo host, long timeoutMs) {
        RequestOptions options = options(ctx, host);
        if (options == null) {
            return;
        }
        options.setTimeout(timeoutMs);
        Buffer requestBody = ctx.body() == null ? null : ctx.body().buffer();
        client.request(options)
                .compose(request -> requestBody == null ? request.send() : request.send(requestBody))
                .compose(response -> response.body().map(body -> relay(ctx, response, body)))
                .onFailure(e -> ctx.fail(new ApiException(ErrorCode.UNAVAILABLE,
                        "the DKV instance that owns this store (" + host.host() + ":" + host.port() + ") did not answer: " + e.getMessage())));
    }

    /**
     * Like {@link #forward} for a streaming response (a watch): relays the owner's response as it
     * arrives, and closes the upstream request when the client goes away.
     */
    public void forwardStream(RoutingContext ctx, HostInfo host) {
        RequestOptions options = options(ctx, host);
        if (options == null) {
            return;
        }
        options.setIdleTimeout(0);
        client.request(options).compose(request -> {
            ctx.response().closeHandler(v -> request.reset());
            return request.send();
        }).onSuccess(response -> {
            ctx.response().setStatusCode(response.statusCode()).setChunked(true);
            response.headers().forEach((name, value) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                    ctx.response().headers().add(name, value);
                }
            });
            response.pipeTo(ctx.response());
        }).onFailure(e -> ctx.fail(new ApiException(ErrorCode.UNAVAILABLE,
                "the DKV instance that owns this store (" + host.host() + ":" + host.port() + ") did not answer: " + e.getMessage())));
    }

    /**
     * GETs a JSON document from another DKV instance, marked as forwarded so it answers from its own
     * state. Fails if the instance does not answer within the timeout or answers anything but JSON.
     *
     * @param caller the request it is done for, whose principal the other instance checks again
     */
    public Future<JsonObject> getJson(HostInfo host, String uri, RoutingContext caller) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(host.host()).setPort(host.port())
                .setURI(uri).setTimeout(timeoutMs).setHeaders(Caller.of(caller).headers());
        return client.request(options).compose(HttpClientRequest::send).compose(HttpClientResponse::body).map(JsonObject::new);
    }

    /**
     * POSTs an empty body to {@code uri} on another DKV instance on behalf of {@code caller}, marked as
     * forwarded so it answers from its own state: for calls a gateway makes after the request that
     * authorized them has become a socket. Fails if the instance does not answer within the timeout;
     * any status it answers is the future's value.
     */
    public Future<Answer> post(HostInfo host, String uri, Caller caller) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host.host()).setPort(host.port())
                .setURI(uri).setTimeout(timeoutMs).setHeaders(caller.headers());
        return client.request(options).compose(HttpClientRequest::send)
                .compose(response -> response.body().map(body -> new Answer(response.statusCode(), body)));
    }

    /** An answer of another instance: its status and body. */
    public record Answer(int status, Buffer body) {
    }

    /**
     * Who a call to another instance is made for, taken from the request that authorized it: the
     * caller's bearer token goes along as it came; a caller who authenticated with a client
     * certificate, which cannot go along, is named in {@code DKV-On-Behalf-Of}, which the other
     * instance accepts from this one's own certificate only if that is granted {@code peer}.
     */
    public record Caller(String authorization, String principal) {

        public static Caller of(RoutingContext ctx) {
            return new Caller(ctx.request().getHeader("Authorization"), Access.of(ctx).principal());
        }

        MultiMap headers() {
            MultiMap headers = MultiMap.caseInsensitiveMultiMap().set(FORWARDED_HEADER, "1");
            if (authorization != null) {
                headers.set("Authorization", authorization);
            }
            identify(principal, headers);
            return headers;
        }
    }

    /** The request to send to the owner, or null (and {@code ctx} failed) if it was forwarded already. */
    private static RequestOptions options(RoutingContext ctx, HostInfo host) {
        if (isForwarded(ctx)) {
            ctx.fail(new ApiException(ErrorCode.UNAVAILABLE, "stores are moving between DKV instances; retry shortly"));
            return null;
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        ctx.request().headers().forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                headers.add(name, value);
            }
        });
        headers.set(FORWARDED_HEADER, "1");
        identify(Access.of(ctx).principal(), headers);
        return new RequestOptions().setMethod(ctx.request().method()).setHost(host.host())
                .setPort(host.port()).setURI(ctx.request().uri()).setHeaders(headers);
    }

    /** Names {@code principal} in {@code DKV-On-Behalf-Of} when no credentials go along (see {@link Caller}). */
    private static void identify(String principal, MultiMap headers) {
        if (principal != null && !headers.contains("Authorization")) {
            headers.set(Authentication.ON_BEHALF_OF_HEADER, principal);
        }
    }

    private static Future<Void> relay(RoutingContext ctx, HttpClientResponse response, Buffer body) {
        ctx.response().setStatusCode(response.statusCode());
        response.headers().forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                ctx.response().headers().add(name, value);
            }
        });
        return ctx.response().end(body);
    }

    /** Presents a renewed certificate to the other instances from the next connection on. */
    public Future<Boolean> updateTls(ClientSSLOptions tls) {
        return client.updateSSLOptions(tls, true);
    }

    public void close() {
        client.close();
    }
}
