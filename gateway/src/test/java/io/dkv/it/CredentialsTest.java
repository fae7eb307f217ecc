package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dkv.gateway.auth.Action;
import io.dkv.gateway.auth.AuditLog;
import io.dkv.gateway.auth.internals.TokenHash;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Who a request is, against the secured DKV: client certificates (mTLS) name their subject, JWTs
 * their {@code sub}, tokens their principal; bad credentials are 401; a changed access file applies
 * without restart, and one that does not parse leaves the last good one in force; refusals and
 * store changes are audited.
 */
class CredentialsTest {
    private static final String STORE = "sec-c";
    private static DkvHttp https;

    @BeforeAll
    static void createStore() {
        https = SecuredDkv.https(false);
        assertThat(https.put("/v1/stores/" + STORE, "", SecuredDkv.bearer("admin")).status()).isIn(200, 201);
        assertThat(https.put("/v1/stores/" + STORE + "/kv/a:1", "one", SecuredDkv.bearer("admin")).status()).isIn(200, 201);
    }

    @AfterEach
    void restoreAccessFile() {
        SecuredDkv.writeAccessFile(SecuredDkv.policy());
    }

    @Test
    void aClientCertificateAuthenticatesAsItsSubject() {
        DkvHttp withCertificate = SecuredDkv.https(true);
        assertThat(withCertificate.get("/v1/stores/" + STORE + "/kv/a:1").text()).isEqualTo("one");
        DkvHttp.Response outside = withCertificate.get("/v1/stores/" + STORE + "/kv/b:1");
        assertThat(outside.status()).isEqualTo(403);
        assertThat(outside.json().getString("message")).contains("'" + SecuredDkv.CERT_SUBJECT + "'");
        assertThat(https.get("/v1/stores/" + STORE + "/kv/a:1").code()).as("no certificate, no token").isEqualTo("UNAUTHENTICATED");
    }

    @Test
    void onlyAPeerMayActForAnotherPrincipal() {
        DkvHttp.Response posing = https.get("/v1/stores/" + STORE + "/kv/b:1", "DKV-On-Behalf-Of", "admin",
                SecuredDkv.bearer("read-key")[0], SecuredDkv.bearer("read-key")[1]);
        assertThat(posing.code()).isEqualTo("FORBIDDEN");
        assertThat(posing.json().getString("action")).isEqualTo("peer");
    }

    @Test
    void aJwtAuthenticatesAsItsSubjectWhenItsSignatureIssuerAndExpiryHold() {
        Instant later = Instant.now().plus(Duration.ofMinutes(5));
        String valid = SecuredDkv.jwt("jwt-user", SecuredDkv.JWT_ISSUER, later, false);
        assertThat(https.get("/v1/stores/" + STORE + "/kv/a:1", "Authorization", "Bearer " + valid).text()).isEqualTo("one");
        assertThat(https.get("/v1/stores/" + STORE + "/kv/b:1", "Authorization", "Bearer " + valid).code()).isEqualTo("FORBIDDEN");

        for (String bad : List.of(SecuredDkv.jwt("jwt-user", SecuredDkv.JWT_ISSUER, later, true),
                SecuredDkv.jwt("jwt-user", "https://someone-else.test", later, false),
                SecuredDkv.jwt("jwt-user", SecuredDkv.JWT_ISSUER, Instant.now().minus(Duration.ofMinutes(5)), false))) {
            DkvHttp.Response response = https.get("/v1/stores/" + STORE + "/kv/a:1", "Authorization", "Bearer " + bad);
            assertThat(response.code()).isEqualTo("INVALID_CREDENTIALS");
            assertThat(response.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
        }
        assertThat(https.get("/v1/stores/" + STORE + "/kv/a:1", "Authorization", "Basic YTpi").code()).isEqualTo("INVALID_CREDENTIALS");
    }

    @Test
    void aChangedAccessFileAppliesWithoutRestartAndABrokenOneChangesNothing() {
        String token = TokenHash.newToken();
        String path = "/v1/stores/" + STORE + "/kv/a:1";
        assertThat(https.get(path, "Authorization", "Bearer " + token).code()).isEqualTo("INVALID_CREDENTIALS");

        JsonObject policy = SecuredDkv.policy();
        policy.getJsonObject("roles").put("late", new JsonArray().add(SecuredDkv.grant(STORE, "a:", EnumSet.of(Action.READ))));
        policy.getJsonObject("principals").put("late", new JsonObject().put("tokens", new JsonArray().add(TokenHash.stored(token)))
                .put("roles", new JsonArray().add("late")));
        SecuredDkv.writeAccessFile(policy);
        await().atMost(Duration.ofSeconds(10)).until(() -> https.get(path, "Authorization", "Bearer " + token).status() == 200);

        SecuredDkv.writeRawAccessFile("{\"principals\": ");
        JsonObject revoked = SecuredDkv.policy();
        SecuredDkv.writeAccessFile(revoked.put("roles", revoked.getJsonObject("roles").put("nonsense", "x")));
        // Two reload periods (100 ms each) pass with the broken files; the grant made before is still in force.
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> https.get(path, "Authorization", "Bearer " + token).status() == 200);

        SecuredDkv.writeAccessFile(SecuredDkv.policy());
        await().atMost(Duration.ofSeconds(10)).until(() -> https.get(path, "Authorization", "Bearer " + token).status() == 401);
    }

    @Test
    void refusalsAndStoreChangesAreAudited() {
        Logger audit = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        audit.addAppender(lines);
        try {
            https.delete("/v1/stores/" + STORE, SecuredDkv.bearer("read-key"));
            https.get("/v1/stores/" + STORE + "/kv/a:1", "Authorization", "Bearer wrong");
            assertThat(https.put("/v1/stores/sec-audit", "", SecuredDkv.bearer("admin")).status()).isEqualTo(201);
            assertThat(https.delete("/v1/stores/sec-audit", SecuredDkv.bearer("admin")).status()).isEqualTo(200);

            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(line -> assertThat(line)
                    .startsWith("denied: principal=read-key").contains("action=admin").contains("resource=all of store " + STORE));
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(line -> assertThat(line)
                    .startsWith("unauthenticated:").contains("GET /v1/stores/" + STORE + "/kv/a:1").contains("INVALID_CREDENTIALS"));
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(line -> assertThat(line).startsWith("store-create: principal=admin").contains("store=sec-audit"))
                    .anySatisfy(line -> assertThat(line).startsWith("store-delete: principal=admin").contains("store=sec-audit"));
            assertThat(lines.list).filteredOn(e -> e.getFormattedMessage().startsWith("denied:")).first()
                    .satisfies(e -> assertThat(e.getKeyValuePairs()).extracting(kv -> kv.key)
                            .contains("event", "principal", "remote", "action", "resource"));
        } finally {
            audit.detachAppender(lines);
        }
    }
}
