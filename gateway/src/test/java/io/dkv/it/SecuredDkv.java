package io.dkv.it;

import io.dkv.gateway.auth.Action;
import io.dkv.gateway.auth.internals.TokenHash;
import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;

/**
 * One DKV with everything of the security model on, shared by the security tests of one JVM: HTTPS
 * with a certificate of a CA made for the run, client certificates of that CA (mTLS), an access file
 * and ES256 JWTs. Its access file has, for every action A, the principals the route matrix needs:
 * {@code A-key} (A on store {@value #STORE} under prefix "a:"), {@code A-store} (A on the whole
 * store), {@code A-everywhere} (A on every store), {@code A-other-store} (A on {@value #OTHER_STORE}
 * only), {@code A-other-prefix} (A under "b:" only) and {@code all-but-A}; plus {@code admin}
 * (everything everywhere), {@value #CERT_SUBJECT} (read and watch under "a:" of every store, by
 * certificate), {@code jwt-user} (read under "a:", by JWT) and {@code watcher} (watch under "a:" of
 * the stores whose names start with {@value #WATCH_STORE}). Each principal's token is
 * {@link #token}.
 */
public final class SecuredDkv {
    public static final String STORE = "sec";
    public static final String OTHER_STORE = "other";
    /** The name prefix of the watch tests' stores, where {@code watcher} may watch under "a:" only. */
    public static final String WATCH_STORE = "secw";
    public static final String CERT_SUBJECT = "CN=billing,O=Example";
    /** The subject of every instance's certificate, granted {@code peer}: instances act for certificate-authenticated callers. */
    public static final String SERVER_SUBJECT = "CN=localhost";
    public static final String JWT_ISSUER = "https://issuer.test";

    private static DkvServer server;
    private static DkvConfig config;
    private static Path dir;
    private static TestCertificates authority;
    private static TestCertificates.Issued clientCertificate;
    private static JsonObject policy;
    private static final Map<String, String> TOKENS = new HashMap<>();
    private static JWTAuth signer;
    /** Vert.x for the test's JWT signing only, never closed (as the shared server). */
    private static final Vertx SIGNING = Vertx.vertx();

    private SecuredDkv() {
    }

    public static synchronized int port() {
        if (server == null) {
            start();
        }
        return server.port();
    }

    /** An HTTPS client of the secured DKV that trusts its CA and, with {@code clientCertificate}, presents it. */
    public static DkvHttp https(boolean withClientCertificate) {
        return new DkvHttp("https://localhost:" + port(), client(withClientCertificate, HttpClient.Version.HTTP_1_1));
    }

    public static HttpClient client(boolean withClientCertificate, HttpClient.Version version) {
        port();
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(version)
                .sslContext(authority.clientContext(withClientCertificate ? clientCertificate : null)).build();
    }

    /** The bearer token of {@code principal}; the access file holds only its hash. */
    public static synchronized String token(String principal) {
        port();
        String token = TOKENS.get(principal);
        if (token == null) {
            throw new IllegalArgumentException("no principal " + principal + " in the test access file");
        }
        return token;
    }

    /** {@code Authorization} header name and value for {@code principal}. */
    public static String[] bearer(String principal) {
        return new String[] {"Authorization", "Bearer " + token(principal)};
    }

    /** A JWT for {@code subject} from {@code issuer}, ending at {@code expiresAt}, signed with the key DKV trusts unless {@code otherKey}. */
    public static synchronized String jwt(String subject, String issuer, Instant expiresAt, boolean otherKey) {
        port();
        JWTAuth by = otherKey ? signer(TestCertificates.keyPair()) : signer;
        return by.generateToken(new JsonObject().put("sub", subject).put("exp", expiresAt.getEpochSecond()),
                new JWTOptions().setAlgorithm("ES256").setIssuer(issuer));
    }

    public static synchronized TestCertificates authority() {
        port();
        return authority;
    }

    public static synchronized Path certificateDir() {
        port();
        return dir;
    }

    /** The access file as the server started with it. */
    public static synchronized JsonObject policy() {
        port();
        return policy.copy();
    }

    /** Replaces the access file at once (written aside, then moved), as an operator's deployment would. */
    public static synchronized void writeAccessFile(JsonObject content) {
        port();
        write(content);
    }

    private static void write(JsonObject content) {
        try {
            Path next = dir.resolve("access.json.next");
            Files.writeString(next, content.encodePrettily());
            Files.move(next, dir.resolve("access.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static synchronized void writeRawAccessFile(String content) {
        port();
        try {
            Files.writeString(dir.resolve("access.json"), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void start() {
        dir = TestDkv.tempDir();
        authority = TestCertificates.authority(dir, "dkv-test");
        TestCertificates.Issued serverCertificate = authority.issue(SERVER_SUBJECT, "server");
        clientCertificate = authority.issue(CERT_SUBJECT, "client");
        KeyPair jwtKeys = TestCertificates.keyPair();
        signer = signer(jwtKeys);
        Path jwtKey = dir.resolve("jwt-public.pem");
        try {
            Files.writeString(jwtKey, TestCertificates.pem("PUBLIC KEY", jwtKeys.getPublic().getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        policy = matrixPolicy();
        write(policy);

        config = TestDkv.config();
        config.accessFile = dir.resolve("access.json");
        config.accessReloadMs = 100;
        config.tlsCertFile = serverCertificate.certFile();
        config.tlsKeyFile = serverCertificate.keyFile();
        config.tlsClientCaFile = authority.caFile("dkv-test");
        config.tlsTrustFile = authority.caFile("dkv-test");
        config.jwtKeyFile = jwtKey;
        config.jwtAlgorithm = "ES256";
        config.jwtIssuer = JWT_ISSUER;
        server = TestDkv.start(config);
    }

    /**
     * The configuration of another instance of the secured deployment: same topics, access file,
     * certificates and keys; its own data directory and port.
     */
    public static synchronized DkvConfig anotherInstance() {
        port();
        DkvConfig other = TestDkv.config(config.topicPrefix, TestDkv.tempDir());
        other.accessFile = config.accessFile;
        other.accessReloadMs = config.accessReloadMs;
        other.tlsCertFile = config.tlsCertFile;
        other.tlsKeyFile = config.tlsKeyFile;
        other.tlsClientCaFile = config.tlsClientCaFile;
        other.tlsTrustFile = config.tlsTrustFile;
        other.jwtKeyFile = config.jwtKeyFile;
        other.jwtAlgorithm = config.jwtAlgorithm;
        other.jwtIssuer = config.jwtIssuer;
        return other;
    }

    private static JsonObject matrixPolicy() {
        JsonObject principals = new JsonObject();
        JsonObject roles = new JsonObject();
        for (Action action : Action.values()) {
            String a = action.wireName();
            role(roles, principals, a + "-key", grant(STORE, "a:", EnumSet.of(action)));
            role(roles, principals, a + "-store", grant(STORE, "", EnumSet.of(action)));
            role(roles, principals, a + "-everywhere", grant("*", "", EnumSet.of(action)));
            role(roles, principals, a + "-other-store", grant(OTHER_STORE, "", EnumSet.of(action)));
            role(roles, principals, a + "-other-prefix", grant(STORE, "b:", EnumSet.of(action)));
            role(roles, principals, "all-but-" + a, grant(STORE, "", EnumSet.complementOf(EnumSet.of(action))));
        }
        role(roles, principals, "admin", grant("*", "", EnumSet.allOf(Action.class)));
        roles.put("cert", new JsonArray().add(grant("*", "a:", EnumSet.of(Action.READ, Action.WATCH))));
        principals.put(CERT_SUBJECT, new JsonObject().put("roles", new JsonArray().add("cert")));
        roles.put("peer", new JsonArray().add(grant("*", "", EnumSet.of(Action.PEER))));
        principals.put(SERVER_SUBJECT, new JsonObject().put("roles", new JsonArray().add("peer")));
        role(roles, principals, "watcher", grant(WATCH_STORE + "*", "a:", EnumSet.of(Action.WATCH)));
        roles.put("jwt", new JsonArray().add(grant("*", "a:", EnumSet.of(Action.READ))));
        principals.put("jwt-user", new JsonObject().put("roles", new JsonArray().add("jwt")));
        return new JsonObject().put("principals", principals).put("roles", roles);
    }

    /** A role named after its one principal, who gets a token. */
    private static void role(JsonObject roles, JsonObject principals, String name, JsonObject grant) {
        String token = TokenHash.newToken();
        TOKENS.put(name, token);
        roles.put(name, new JsonArray().add(grant));
        principals.put(name, new JsonObject().put("tokens", new JsonArray().add(TokenHash.stored(token)))
                .put("roles", new JsonArray().add(name)));
    }

    public static JsonObject grant(String store, String prefix, EnumSet<Action> actions) {
        JsonArray names = new JsonArray();
        actions.forEach(action -> names.add(action.wireName()));
        return new JsonObject().put("store", store).put("prefix", prefix).put("actions", names);
    }

    private static JWTAuth signer(KeyPair keys) {
        return JWTAuth.create(SIGNING, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("ES256")
                .setBuffer(Buffer.buffer(TestCertificates.pem("PRIVATE KEY", keys.getPrivate().getEncoded())))));
    }
}
