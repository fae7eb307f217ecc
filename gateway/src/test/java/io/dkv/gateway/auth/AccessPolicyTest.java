package io.dkv.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dkv.gateway.auth.internals.TokenHash;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What an access file grants, and the messages for files that are wrong. */
class AccessPolicyTest {
    private static final String TOKEN = "s3cret-token-of-alice";

    private static AccessPolicy policy(String roles) {
        return AccessPolicy.parse(new JsonObject("{\"principals\": {\"alice\": {\"tokens\": [\"" + TokenHash.stored(TOKEN)
                + "\"], \"roles\": [\"r\"]}}, \"roles\": {\"r\": " + roles + "}}"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTokenNamesItsPrincipalByItsHash() {
        AccessPolicy policy = policy("[{\"store\": \"orders\", \"actions\": [\"read\"]}]");
        assertThat(policy.principalOfToken(TOKEN)).isEqualTo("alice");
        assertThat(policy.principalOfToken(TOKEN + "x")).isNull();
        assertThat(policy.principalOfToken(TokenHash.stored(TOKEN))).as("the stored hash is not a token").isNull();
    }

    @Test
    void aPrefixGrantCoversItsKeysAndTheRangesInsideIt() {
        Access access = policy("[{\"store\": \"orders\", \"prefix\": \"eu/\", \"actions\": [\"read\", \"write\"]}]").access("alice");
        assertThat(access.permits(Action.READ, "orders", bytes("eu/1"))).isTrue();
        assertThat(access.permits(Action.READ, "orders", bytes("eu/"))).as("the prefix itself, as a list").isTrue();
        assertThat(access.permits(Action.READ, "orders", bytes("eu"))).as("a wider range").isFalse();
        assertThat(access.permits(Action.READ, "orders", bytes(""))).as("the whole store").isFalse();
        assertThat(access.permits(Action.READ, "orders", bytes("us/1"))).isFalse();
        assertThat(access.permits(Action.WATCH, "orders", bytes("eu/1"))).as("another action").isFalse();
        assertThat(access.permits(Action.READ, "orders2", bytes("eu/1"))).as("another store").isFalse();
        assertThat(access.seesStore("orders")).isTrue();
        assertThat(access.seesStore("billing")).isFalse();
    }

    @Test
    void storePatternsAndBytePrefixes() {
        Access access = policy("[{\"store\": \"team-*\", \"prefixBase64\": \"AP8=\", \"actions\": [\"read\"]},"
                + " {\"store\": \"*\", \"actions\": [\"metrics\"]}]").access("alice");
        assertThat(access.permits(Action.READ, "team-a", new byte[] {0, (byte) 0xff, 1})).isTrue();
        assertThat(access.permits(Action.READ, "team-a", new byte[] {0, 1})).isFalse();
        assertThat(access.permits(Action.READ, "teams", new byte[] {0, (byte) 0xff})).isFalse();
        assertThat(access.permits(Action.METRICS, "*", new byte[0])).isTrue();
    }

    @Test
    void anUnknownPrincipalMayDoNothing() {
        Access access = policy("[{\"store\": \"*\", \"actions\": [\"admin\"]}]").access("mallory");
        assertThat(access.permits(Action.ADMIN, "orders", new byte[0])).isFalse();
        assertThat(access.seesStore("orders")).isFalse();
    }

    @Test
    void mistakesAreNamedWithWhereTheyAre() {
        assertThatThrownBy(() -> policy("[{\"store\": \"orders\", \"actions\": [\"reed\"]}]"))
                .hasMessageContaining("roles.r[0].actions").hasMessageContaining("unknown action 'reed'");
        assertThatThrownBy(() -> policy("[{\"store\": \"orders\"}]")).hasMessageContaining("roles.r[0].actions");
        assertThatThrownBy(() -> policy("[{\"store\": \"a*b\", \"actions\": [\"read\"]}]")).hasMessageContaining("one *, at its end");
        assertThatThrownBy(() -> policy("[{\"store\": \"orders\", \"actions\": [\"read\"], \"keys\": \"x\"}]"))
                .hasMessageContaining("unknown field 'keys'");
        assertThatThrownBy(() -> AccessPolicy.parse(new JsonObject("{\"principals\": {\"bob\": {\"roles\": [\"missing\"]}}}")))
                .hasMessageContaining("principals.bob.roles names 'missing'");
        assertThatThrownBy(() -> AccessPolicy.parse(new JsonObject("{\"principals\": {\"bob\": {\"tokens\": [\"plain-secret\"]}}}")))
                .hasMessageContaining("principals.bob.tokens").hasMessageContaining("bin/dkv token").hasMessageNotContaining("plain-secret");
        String hash = TokenHash.stored(TOKEN);
        assertThatThrownBy(() -> AccessPolicy.parse(new JsonObject("{\"principals\": {\"a\": {\"tokens\": [\"" + hash
                + "\"]}, \"b\": {\"tokens\": [\"" + hash + "\"]}}}"))).hasMessageContaining("have the same token");
    }
}
