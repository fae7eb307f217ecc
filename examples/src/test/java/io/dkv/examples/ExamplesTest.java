package io.dkv.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.client.DkvClient;
import io.dkv.client.kv.Entry;
import io.dkv.it.SharedDkv;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The four scenarios against a real DKV, each with what it promises. */
class ExamplesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static DkvClient client(String store) {
        DkvClient client = DkvClient.connect(store, "localhost:" + SharedDkv.port());
        client.createStore();
        return client;
    }

    private static String store() {
        return "ex" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void jobWorkersDoEveryJobOnceBetweenThem() {
        String store = store();
        try (DkvClient a = client(store); DkvClient b = client(store)) {
            a.kv().put("jobs:0", "queued before the workers");
            try (JobWorker one = new JobWorker(a, "one"); JobWorker two = new JobWorker(b, "two")) {
                one.start();
                two.start();
                for (int i = 1; i <= 20; i++) {
                    a.kv().put("jobs:" + i, "job " + i);
                }
                await().atMost(WAIT).until(() -> one.done() + two.done() == 21);
                List<String> results = new ArrayList<>();
                a.kv().list("results:").forEach(e -> results.add(e.key()));
                assertThat(results).hasSize(21).doesNotHaveDuplicates();
                assertThat(one.done() + two.done()).isEqualTo(21);
            }
        }
    }

    @Test
    void aProductRenamedThroughOneInstanceIsSeenByTheOther() {
        String store = store();
        Map<String, String> database = new ConcurrentHashMap<>(Map.of("1", "Laptop"));
        try (DkvClient a = client(store); DkvClient b = client(store);
                ProductService first = new ProductService(a, database); ProductService second = new ProductService(b, database)) {
            assertThat(first.name("1")).isEqualTo("Laptop");
            assertThat(second.name("1")).isEqualTo("Laptop");
            assertThat(second.name("1")).isEqualTo("Laptop");
            assertThat(first.databaseReads() + second.databaseReads()).isEqualTo(1);
            assertThat(second.cache().stats().nearHits()).isEqualTo(1);
            first.rename("1", "Laptop Pro");
            await().atMost(Duration.ofSeconds(2)).until(() -> second.name("1").equals("Laptop Pro"));
            assertThat(first.databaseReads() + second.databaseReads()).isEqualTo(1);
        }
    }

    @Test
    void onlyTheLeaderRunsTheJobAndAnotherTakesOverWhenItDies() {
        String store = store();
        DkvClient a = client(store);
        DkvClient b = client(store);
        Scheduler one = new Scheduler(a, "node-1", Duration.ofMillis(100));
        Scheduler two = new Scheduler(b, "node-2", Duration.ofMillis(100));
        try {
            one.start();
            await().atMost(WAIT).until(() -> one.runs() > 0);
            two.start();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> two.runs() == 0 && one.leading());
            a.close();
            await().atMost(WAIT).until(() -> two.runs() > 0);
            assertThat(one.leading()).isFalse();
            assertThat(b.kv().get("reports:last").value()).startsWith("node-2 run");
        } finally {
            one.close();
            two.close();
            b.close();
        }
    }

    @Test
    void everyInvoiceIsPaidOnceEvenWhenAWorkerStallsPastItsLock() throws Exception {
        String store = store();
        try (DkvClient a = client(store); DkvClient b = client(store); DkvClient c = client(store)) {
            InvoiceProcessing.openInvoices(a, 30);
            List<InvoiceProcessing.Worker> workers = List.of(new InvoiceProcessing.Worker(a, "w1", true),
                    new InvoiceProcessing.Worker(b, "w2", false), new InvoiceProcessing.Worker(c, "w3", false));
            List<Thread> threads = workers.stream().map(Thread::new).toList();
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(120).toMillis());
            }
            Map<String, String> invoices = new HashMap<>();
            for (Entry<String> invoice : a.kv().list("invoices:")) {
                invoices.put(invoice.key(), invoice.value());
            }
            assertThat(invoices).hasSize(30).allSatisfy((key, value) -> assertThat(value).startsWith("paid by "));
            assertThat(workers.stream().mapToInt(InvoiceProcessing.Worker::paid).sum()).as("one payment per invoice").isEqualTo(30);
            assertThat(workers.get(0).refusedLate()).as("the stalled worker's late payment is refused").isEqualTo(1);
            assertThat(invoices.values().stream().filter(v -> v.equals("paid by w1")).count()).isEqualTo(workers.get(0).paid());
        }
    }
}
