package io.dkv.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dkv.client.watch.WatchEvent;
import io.dkv.client.watch.WatchOptions;
import io.dkv.client.watch.WatchStart;
import io.dkv.it.SecuredDkv;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The client against a DKV with HTTPS, an access file and JWTs: with a token it reads, writes and
 * watches (the watch socket authenticates too); without one, or outside its grant, the call is
 * rejected with DKV's code; a token supplier is asked again for later calls.
 */
class SecuredClientTest {
    private static final String STORE = "sec-client";

    private static DkvClient.Builder client(String store) {
        return DkvClient.builder().store(store).servers("localhost:" + SecuredDkv.port())
                .sslContext(SecuredDkv.authority().clientContext(null));
    }

    @Test
    void withATokenOverTlsEveryCapabilityWorksAndWithoutOneNothingDoes() {
        try (DkvClient admin = client(STORE).bearerToken(SecuredDkv.token("admin")).build()) {
            admin.createStore();
            List<WatchEvent<String>> events = new CopyOnWriteArrayList<>();
            WatchStart<String> start = admin.watch().watchPrefix("a:", WatchOptions.snapshot(), events::add);
            long revision = admin.kv().put("a:1", "one").revision();
            await().atMost(Duration.ofSeconds(20)).until(() -> !events.isEmpty());
            assertThat(events.get(0).revision()).isEqualTo(revision);
            assertThat(admin.kv().get("a:1").value()).isEqualTo("one");
            start.subscription().stop();
        }
        try (DkvClient anonymous = client(STORE).maxAttempts(1).build()) {
            assertThatThrownBy(() -> anonymous.kv().get("a:1")).isInstanceOfSatisfying(DkvException.Rejected.class,
                    e -> assertThat(e.code()).isEqualTo("UNAUTHENTICATED"));
        }
        try (DkvClient reader = client(SecuredDkv.STORE).bearerToken(SecuredDkv.token("read-key")).build()) {
            assertThatThrownBy(() -> reader.kv().put("a:9", "x")).isInstanceOfSatisfying(DkvException.Rejected.class,
                    e -> assertThat(e.code()).isEqualTo("FORBIDDEN"));
        }
    }

    @Test
    void aTokenSupplierIsAskedForEachCall() {
        try (DkvClient admin = client(STORE).bearerToken(SecuredDkv.token("admin")).build()) {
            admin.createStore();
            admin.kv().put("a:jwt", "signed");
        }
        AtomicInteger asked = new AtomicInteger();
        try (DkvClient jwt = client(STORE).bearerToken(() -> {
            asked.incrementAndGet();
            return SecuredDkv.jwt("jwt-user", SecuredDkv.JWT_ISSUER, Instant.now().plusSeconds(60), false);
        }).build()) {
            assertThat(jwt.kv().get("a:jwt").value()).isEqualTo("signed");
            assertThat(jwt.kv().get("a:jwt").value()).isEqualTo("signed");
            assertThat(asked.get()).isEqualTo(2);
        }
    }
}
