package io.dkv.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.dkv.client.kv.KvResult;
import io.dkv.client.kv.KvStatus;
import io.dkv.client.lease.KeepAlive;
import io.dkv.it.TestDkv;
import io.dkv.server.DkvServer;
import io.dkv.it.SharedDkv;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the client does when the network or a gateway fails it. */
class ResilienceTest {

    /**
     * A proxy in front of DKV applies the first put and then answers 504, as a gateway whose reply was
     * lost would: the client's retry carries the same request id, so DKV answers the first outcome and
     * the key is written once.
     */
    @Test
    void aWriteRetriedAfterALostAnswerIsAppliedOnce() throws Exception {
        int dkvPort = SharedDkv.port();
        HttpClient forward = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<String> putRequestIds = new CopyOnWriteArrayList<>();
        AtomicBoolean loseNextAnswer = new AtomicBoolean(true);
        HttpServer proxy = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        proxy.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + dkvPort + exchange.getRequestURI()))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (name.toLowerCase().startsWith("dkv-") || name.toLowerCase().startsWith("if-") || name.equalsIgnoreCase("content-type")) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            if (exchange.getRequestMethod().equals("PUT") && exchange.getRequestURI().getPath().contains("/kv/")) {
                putRequestIds.add(exchange.getRequestHeaders().getFirst("DKV-Request-Id"));
            }
            try {
                HttpResponse<byte[]> answer = forward.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                byte[] out = answer.body();
                int status = answer.statusCode();
                if (putRequestIds.size() == 1 && loseNextAnswer.getAndSet(false)) {
                    status = 504;
                    out = "{\"code\":\"TIMEOUT\",\"message\":\"reply lost\"}".getBytes(StandardCharsets.UTF_8);
                }
                answer.headers().map().forEach((name, values) -> {
                    if (name.toLowerCase().startsWith("dkv-") || name.equalsIgnoreCase("content-type") || name.equalsIgnoreCase("etag")) {
                        values.forEach(v -> exchange.getResponseHeaders().add(name, v));
                    }
                });
                exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
                try (OutputStream stream = exchange.getResponseBody()) {
                    stream.write(out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        proxy.start();
        try (DkvClient client = DkvClient.connect("retry" + System.nanoTime(), "localhost:" + proxy.getAddress().getPort())) {
            client.createStore();
            KvResult<String> put = client.kv().put("once", "v");
            assertThat(put.status()).isEqualTo(KvStatus.OK);
            assertThat(put.created()).isTrue();
            assertThat(putRequestIds).hasSize(2);
            assertThat(Set.copyOf(putRequestIds)).hasSize(1);
            assertThat(client.kv().get("once").entry().version()).isEqualTo(1);
            assertThat(client.kv().get("once").modRevision()).isEqualTo(put.modRevision());
        } finally {
            proxy.stop(0);
        }
    }

    /**
     * A kept-alive lease whose gateways all go away is reported lost once no refresh has succeeded
     * for a whole TTL: not earlier than two thirds of a TTL after the last gateway began to go (a
     * refresh may have just succeeded), and not much later than one TTL after it went.
     */
    @Test
    void aLeaseIsReportedLostWhenNoGatewayAnswersForItsTtl() {
        DkvServer server = TestDkv.start(TestDkv.config());
        Duration ttl = Duration.ofSeconds(3);
        AtomicLong lostAt = new AtomicLong();
        List<String> reasons = new CopyOnWriteArrayList<>();
        try (DkvClient client = DkvClient.connect("lossy", "localhost:" + server.port())) {
            client.createStore();
            KeepAlive alive = client.leases().grantAndKeepAlive(ttl, (id, reason) -> {
                reasons.add(reason);
                lostAt.set(System.nanoTime());
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> client.leases().describe(alive.leaseId()).isPresent());
            await().pollDelay(ttl.multipliedBy(2)).atMost(ttl.multipliedBy(3)).until(() -> !alive.isLost());
            long closedAt = System.nanoTime();
            server.close();
            await().atMost(ttl.multipliedBy(3)).until(alive::isLost);
            assertThat(reasons).containsExactly("unreachable");
            assertThat(Duration.ofNanos(lostAt.get() - closedAt)).isBetween(ttl.multipliedBy(2).dividedBy(3), ttl.plusSeconds(3));
        } finally {
            server.close();
        }
    }
}
