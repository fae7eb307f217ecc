package io.dkv.gateway.internals;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Rejects a request whose raw path or query holds a malformed percent-escape before any route with
 * path parameters is matched: Vert.x decodes those parameters while matching and would otherwise
 * fail the request without a JSON body. Runs first, on every request; stateless.
 */
public final class PercentEncodingCheck implements Handler<RoutingContext> {
    private static final String STORES = "/v1/stores/";

    @Override
    public void handle(RoutingContext ctx) {
        String path = ctx.request().path();
        try {
            PercentDecoder.decode(path, false);
        } catch (IllegalArgumentException e) {
            ErrorCode code = isKeyPath(path) ? ErrorCode.INVALID_KEY : ErrorCode.INVALID_REQUEST;
            throw new ApiException(code, "the path is not valid percent-encoding: " + e.getMessage() + "; write '%' as %25");
        }
        String query = ctx.request().query();
        if (query != null) {
            try {
                PercentDecoder.decode(query, true);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_PARAMETER, "the query is not valid percent-encoding: " + e.getMessage()
                        + "; write '%' as %25");
            }
        }
        ctx.next();
    }

    private static boolean isKeyPath(String path) {
        int storeEnd = path.startsWith(STORES) ? path.indexOf('/', STORES.length()) : -1;
        return storeEnd > 0 && path.startsWith("/kv/", storeEnd);
    }
}
