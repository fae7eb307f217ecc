package io.dkv.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dkv.client.kv.Delete;
import io.dkv.client.kv.Entry;
import io.dkv.client.kv.Get;
import io.dkv.client.kv.Kv;
import io.dkv.client.kv.KvResult;
import io.dkv.client.kv.KvStatus;
import io.dkv.client.kv.Page;
import io.dkv.client.kv.Put;
import io.dkv.client.kv.Txn;
import io.dkv.client.kv.TxnResult;
import io.dkv.it.DkvHttp;
import io.dkv.it.SharedDkv;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's KV calls and options against a real DKV. */
class KvClientTest {
    private DkvClient client;
    private Kv<String> kv;

    @BeforeEach
    void connect() {
        client = TestStores.newStoreClient();
        kv = client.kv();
    }

    @AfterEach
    void close() {
        client.close();
    }

    record Product(String name, int stock) {
    }

    @Test
    void putGetDeleteCarryStatusesAndRevisions() {
        KvResult<String> created = kv.put("product:1", "Laptop");
        assertThat(created.status()).isEqualTo(KvStatus.OK);
        assertThat(created.created()).isTrue();
        assertThat(created.entry().version()).isEqualTo(1);
        assertThat(created.modRevision()).isEqualTo(created.revision()).isPositive();

        KvResult<String> updated = kv.put("product:1", "Laptop Pro");
        assertThat(updated.created()).isFalse();
        assertThat(updated.modRevision()).isGreaterThan(created.modRevision());
        assertThat(updated.entry().createRevision()).isEqualTo(created.modRevision());

        KvResult<String> read = kv.get("product:1");
        assertThat(read.status()).isEqualTo(KvStatus.OK);
        assertThat(read.value()).isEqualTo("Laptop Pro");
        assertThat(read.entry().version()).isEqualTo(2);
        assertThat(read.modRevision()).isEqualTo(updated.modRevision());

        KvResult<String> deleted = kv.delete("product:1");
        assertThat(deleted.status()).isEqualTo(KvStatus.OK);
        assertThat(deleted.currentModRevision()).isEqualTo(updated.modRevision());
        assertThat(kv.get("product:1").status()).isEqualTo(KvStatus.NOT_FOUND);
        assertThat(kv.delete("product:1").status()).isEqualTo(KvStatus.NOT_FOUND);
    }

    @Test
    void conditionsAreCompareAndSetAndAFailedOneChangesNothing() {
        assertThat(kv.put("k", "1", Put.ifAbsent()).status()).isEqualTo(KvStatus.OK);
        KvResult<String> again = kv.put("k", "2", Put.ifAbsent());
        assertThat(again.status()).isEqualTo(KvStatus.PRECONDITION_FAILED);
        long current = kv.get("k").modRevision();
        assertThat(again.currentModRevision()).isEqualTo(current);

        assertThat(kv.put("k", "3", Put.ifRevision(current - 1)).status()).isEqualTo(KvStatus.PRECONDITION_FAILED);
        assertThat(kv.put("k", "3", Put.ifRevision(current)).status()).isEqualTo(KvStatus.OK);
        assertThat(kv.put("absent", "x", Put.ifPresent()).status()).isEqualTo(KvStatus.PRECONDITION_FAILED);
        assertThat(kv.get("absent").status()).isEqualTo(KvStatus.NOT_FOUND);
        long now = kv.get("k").modRevision();
        assertThat(kv.delete("k", Delete.ifRevision(now - 1)).status()).isEqualTo(KvStatus.PRECONDITION_FAILED);
        assertThat(kv.get("k").value()).isEqualTo("3");
        assertThat(kv.delete("k", Delete.ifRevision(now)).status()).isEqualTo(KvStatus.OK);
        assertThatThrownBy(() -> kv.put("k", "v", Put.ifAbsent(), Put.ifRevision(3))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysAreSentByteForByte() {
        List<String> keys = List.of("a/b", "..", ".", "a//b", "x%2Fy", "sp ace", "plus+sign", "ünï/código", "q?x=1#f", "a/refresh");
        keys.forEach(k -> assertThat(kv.put(k, "v:" + k).status()).as(k).isEqualTo(KvStatus.OK));
        keys.forEach(k -> assertThat(kv.get(k).value()).as(k).isEqualTo("v:" + k));
        List<String> listed = new ArrayList<>();
        kv.list("").forEach(e -> listed.add(e.key()));
        assertThat(listed).containsExactlyInAnyOrderElementsOf(keys);
    }

    @Test
    void codecsTypeTheValues() {
        Kv<Product> products = client.kv(Codecs.json(Product.class));
        products.put("p:1", new Product("Laptop", 3));
        assertThat(products.get("p:1").value()).isEqualTo(new Product("Laptop", 3));
        assertThat(kv.get("p:1").value()).isEqualTo("{\"name\":\"Laptop\",\"stock\":3}");

        byte[] notUtf8 = {(byte) 0xff, 0, (byte) 0xfe, 10};
        client.kv(Codecs.bytes()).put("raw", notUtf8);
        assertThat(client.kv(Codecs.bytes()).get("raw").value()).containsExactly(notUtf8);
        assertThat(client.kv(Codecs.bytes()).list("ra").iterator().next().value()).containsExactly(notUtf8);

        Codec<Integer> decimal = Codec.of(i -> Integer.toString(i).getBytes(StandardCharsets.US_ASCII),
                b -> Integer.parseInt(new String(b, StandardCharsets.US_ASCII)));
        client.kv(decimal).put("n", 42);
        assertThat(client.kv(decimal).get("n").value()).isEqualTo(42);
    }

    @Test
    void listingIteratesEveryPageInKeyOrder() {
        List<String> keys = IntStream.range(0, 25).mapToObj(i -> String.format("jobs:%03d", i)).toList();
        CompletableFuture.allOf(keys.stream().map(k -> kv.putAsync(k, k.toUpperCase())).toArray(CompletableFuture[]::new)).join();
        kv.put("other", "x");

        Page<String> first = kv.listPage("jobs:", null, 10);
        assertThat(first.entries()).hasSize(10);
        assertThat(first.hasMore()).isTrue();
        Page<String> second = kv.listPage("jobs:", first.cursor(), 10);
        assertThat(second.entries().get(0).key()).isEqualTo("jobs:010");

        List<Entry<String>> all = new ArrayList<>();
        kv.list("jobs:").forEach(all::add);
        assertThat(all).extracting(Entry::key).containsExactlyElementsOf(keys);
        assertThat(all).extracting(Entry::value).allMatch(v -> v.startsWith("JOBS:"));
    }

    @Test
    void transactionsRunOneBranchAtOneRevision() {
        kv.put("jobs:1", "j1");
        TxnResult<String> taken = kv.txn().ifValue("jobs:1", Txn.Cmp.EQUAL, "j1").ifVersion("t:a", Txn.Cmp.EQUAL, 0)
                .thenPut("t:a", "1").thenDelete("jobs:1").thenGet("t:a")
                .orElseGet("jobs:1").commit();
        assertThat(taken.status()).isEqualTo(KvStatus.OK);
        assertThat(taken.succeeded()).isTrue();
        assertThat(taken.results()).extracting(TxnResult.OpResult::op).containsExactly("put", "delete", "get");
        assertThat(taken.results().get(0).done()).isTrue();
        assertThat(taken.results().get(0).modRevision()).isEqualTo(taken.revision());
        assertThat(taken.results().get(1).done()).isTrue();
        assertThat(taken.results().get(2).entry().value()).isEqualTo("1");

        TxnResult<String> lost = kv.txn().ifValue("jobs:1", Txn.Cmp.EQUAL, "j1").thenPut("t:a", "2").orElseGet("t:a").commit();
        assertThat(lost.succeeded()).isFalse();
        assertThat(lost.results()).singleElement().satisfies(r -> assertThat(r.entry().value()).isEqualTo("1"));
        assertThat(kv.get("t:a").value()).isEqualTo("1");
    }

    @Test
    void readsSeeTheClientsOwnWrites() {
        long written = kv.put("ryw", "mine").revision();
        assertThat(client.seenRevision()).isGreaterThanOrEqualTo(written);
        KvResult<String> read = kv.get("ryw", Get.atLeast(written));
        assertThat(read.revision()).isGreaterThanOrEqualTo(written);
        assertThat(read.value()).isEqualTo("mine");
    }

    @Test
    void closingTheClientFailsTheCallsInFlightAndLaterOnes() {
        long future = kv.put("closing", "v").revision() + 1_000_000;
        CompletableFuture<KvResult<String>> waiting = kv.getAsync("closing", Get.atLeast(future), Get.timeout(Duration.ofSeconds(60)));
        client.close();
        assertThatThrownBy(waiting::join).hasCauseInstanceOf(DkvException.Unavailable.class)
                .cause().extracting(e -> ((DkvException) e).code()).isEqualTo("CLIENT_CLOSED");
        assertThatThrownBy(() -> kv.get("closing")).isInstanceOf(DkvException.Unavailable.class)
                .extracting(e -> ((DkvException) e).code()).isEqualTo("CLIENT_CLOSED");
    }

    @Test
    void aCallsOwnDeadlineBoundsItsWait() {
        long future = kv.put("dl", "v").revision() + 1_000_000;
        long start = System.nanoTime();
        assertThatThrownBy(() -> kv.get("dl", Get.atLeast(future), Get.timeout(Duration.ofMillis(700))))
                .isInstanceOf(DkvException.Timeout.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(650), Duration.ofSeconds(5));
        assertThat(kv.get("dl").value()).isEqualTo("v");
    }

    @Test
    void failuresAreExceptionsWithCodesAndExpectedOutcomesAreNot() throws Exception {
        try (DkvClient noStore = DkvClient.connect("never-created", "localhost:" + SharedDkv.port())) {
            assertThatThrownBy(() -> noStore.kv().get("k")).isInstanceOf(DkvException.Rejected.class)
                    .satisfies(e -> assertThat(((DkvException) e).code()).isEqualTo("STORE_NOT_FOUND"));
        }
        assertThatThrownBy(() -> kv.put("k".repeat(5000), "v")).isInstanceOf(DkvException.Rejected.class)
                .satisfies(e -> assertThat(((DkvException) e).code()).isEqualTo("KEY_TOO_LARGE"));
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        try (DkvClient nowhere = DkvClient.builder().store(client.store()).servers("localhost:" + deadPort)
                .maxAttempts(2).requestTimeout(Duration.ofSeconds(2)).build()) {
            assertThatThrownBy(() -> nowhere.kv().get("k")).isInstanceOf(DkvException.Unavailable.class)
                    .satisfies(e -> assertThat(((DkvException) e).code()).isEqualTo("UNREACHABLE"));
        }
    }

    @Test
    void aDeadGatewayInTheListIsFailedOverAndRetriedWritesApplyOnce() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        try (DkvClient both = DkvClient.connect(client.store(), "localhost:" + deadPort, "localhost:" + SharedDkv.port())) {
            for (int i = 0; i < 20; i++) {
                assertThat(both.kv().put("fo:" + i, "v" + i).status()).isEqualTo(KvStatus.OK);
                assertThat(both.kv().get("fo:" + i).value()).isEqualTo("v" + i);
            }
        }
        // A retry is the same request id, which DKV answers with the first outcome instead of applying it again.
        DkvHttp http = new DkvHttp(SharedDkv.port());
        String path = "/v1/stores/" + client.store() + "/kv/once";
        long first = http.put(path, "a", "DKV-Request-Id", "same-id", "If-None-Match", "*").json().getLong("revision");
        DkvHttp.Response retried = http.put(path, "a", "DKV-Request-Id", "same-id", "If-None-Match", "*");
        assertThat(retried.status()).isEqualTo(201);
        assertThat(retried.json().getLong("revision")).isEqualTo(first);
        assertThat(kv.get("once").entry().version()).isEqualTo(1);
    }
}
