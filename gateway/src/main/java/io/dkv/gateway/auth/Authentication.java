package io.dkv.gateway.auth;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Finds who sends a request and puts their {@link Access} on it, or answers 401 with a
 * {@code WWW-Authenticate} header. In order: {@code Authorization: Bearer <token>}, a token of the
 * access file or (with {@code --jwt-key-file}) a JWT whose {@code sub} names the principal; else the
 * subject of a verified client certificate (mTLS). A caller granted {@link Action#PEER} may act for
 * another principal with {@value #ON_BEHALF_OF_HEADER}. Without an access file every request gets
 * {@link Access#unrestricted()}. Runs on the event loop; the policy is read once per request, so a
 * reloaded file applies from the next request on.
 */
public final class Authentication implements Handler<RoutingContext> {
    private static final String BEARER = "Bearer ";
    private static final String CHALLENGE = "Bearer realm=\"dkv\"";
    /** Names the principal a forwarded request acts for; see {@link Action#PEER}. */
    public static final String ON_BEHALF_OF_HEADER = "DKV-On-Behalf-Of";

    private final Supplier<AccessPolicy> policy;
    private final JWTAuth jwt;

    /**
     * @param policy the current policy, or null for no authentication
     * @param jwt verifies JWT bearer tokens, or null to accept access-file tokens only
     */
    public Authentication(Supplier<AccessPolicy> policy, JWTAuth jwt) {
        this.policy = policy;
        this.jwt = jwt;
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (policy == null) {
            admit(ctx, Access.unrestricted());
            return;
        }
        AccessPolicy current = policy.get();
        String authorization = ctx.request().getHeader("Authorization");
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                refuse(ctx, ErrorCode.INVALID_CREDENTIALS, CHALLENGE + ", error=\"invalid_request\"",
                        "the Authorization header must be 'Bearer <token>'");
                return;
            }
            String token = authorization.substring(BEARER.length()).trim();
            String principal = current.principalOfToken(token);
            if (principal != null) {
                admitOrDelegate(ctx, current.access(principal));
            } else if (jwt != null && token.chars().filter(c -> c == '.').count() == 2) {
                jwt.authenticate(new TokenCredentials(token)).onComplete(ar -> {
                    String subject = ar.succeeded() ? ar.result().subject() : null;
                    if (subject == null) {
                        refuse(ctx, ErrorCode.INVALID_CREDENTIALS, CHALLENGE + ", error=\"invalid_token\"", "the JWT is not valid: "
                                + (ar.failed() ? ar.cause().getMessage() : "it has no sub claim"));
                    } else {
                        admitOrDelegate(ctx, policy.get().access(subject));
                    }
                });
            } else {
                refuse(ctx, ErrorCode.INVALID_CREDENTIALS, CHALLENGE + ", error=\"invalid_token\"",
                        "the bearer token is not one of the access file's; check it, or ask for a new one (bin/dkv token)");
            }
            return;
        }
        String subject = certificateSubject(ctx);
        if (subject != null) {
            admitOrDelegate(ctx, current.access(subject));
            return;
        }
        refuse(ctx, ErrorCode.UNAUTHENTICATED, CHALLENGE,
                "this DKV needs credentials: send Authorization: Bearer <token>" + (ctx.request().isSSL() ? " or a client certificate" : ""));
    }

    /**
     * Admits the request with {@code access}, or, when it says {@code DKV-On-Behalf-Of}, with the
     * named principal's: only a caller granted {@link Action#PEER} (another DKV instance) may say so.
     */
    private void admitOrDelegate(RoutingContext ctx, Access caller) {
        String onBehalfOf = ctx.request().getHeader(ON_BEHALF_OF_HEADER);
        if (onBehalfOf == null) {
            admit(ctx, caller);
            return;
        }
        Access peer = caller.from(ctx.request().remoteAddress());
        if (!peer.permits(Action.PEER, "*", new byte[0])) {
            ctx.fail(peer.denied(Action.PEER, "*", null));
            return;
        }
        admit(ctx, policy.get().access(onBehalfOf));
    }

    private static void admit(RoutingContext ctx, Access access) {
        ctx.put(Access.CONTEXT_KEY, access.from(ctx.request().remoteAddress()));
        ctx.next();
    }

    private static void refuse(RoutingContext ctx, ErrorCode code, String challenge, String message) {
        AuditLog.unauthenticated(String.valueOf(ctx.request().remoteAddress()), ctx.request().method() + " " + ctx.request().path(), code.name());
        ctx.response().putHeader("WWW-Authenticate", challenge);
        ctx.fail(new ApiException(code, message));
    }

    /** The RFC 2253 subject of the client's verified certificate, or null. */
    private static String certificateSubject(RoutingContext ctx) {
        SSLSession session = ctx.request().sslSession();
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate certificate
                    ? certificate.getSubjectX500Principal().getName() : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
