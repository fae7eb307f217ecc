package io.dkv.examples;

import io.dkv.client.DkvClient;
import io.dkv.client.kv.Entry;
import io.dkv.client.kv.Get;
import io.dkv.client.kv.KvResult;
import io.dkv.client.kv.KvStatus;
import io.dkv.client.kv.Put;
import io.dkv.client.lock.LockHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 4: invoice processing where workers contend with locks and each invoice is processed
 * exactly once. A worker locks an open invoice, reads it under the lock, processes it and marks it
 * {@code paid by <worker>} with the lock's handle. A worker that stalls past its lock's TTL finds its
 * mark refused ({@code LOCKED}): the invoice went to another worker, and DKV, not the stalled worker,
 * decides.
 *
 * <p>{@code java -cp 'examples/target/examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' io.dkv.examples.InvoiceProcessing 30}
 * runs three workers (one stalling) over 30 invoices and prints who paid what.
 */
public final class InvoiceProcessing {
    private static final Duration LOCK_TTL = Duration.ofSeconds(2);

    /** One worker; {@code stallOnFirst} makes it pause past its lock on its first invoice. */
    public static final class Worker implements Runnable {
        private final DkvClient client;
        private final String name;
        private final boolean stallOnFirst;
        private final AtomicInteger paid = new AtomicInteger();
        private final AtomicInteger refusedLate = new AtomicInteger();
        private boolean stalled;

        public Worker(DkvClient client, String name, boolean stallOnFirst) {
            this.client = client;
            this.name = name;
            this.stallOnFirst = stallOnFirst;
        }

        @Override
        public void run() {
            while (true) {
                List<String> open = new ArrayList<>();
                for (Entry<String> invoice : client.kv().list("invoices:")) {
                    if (invoice.value().equals("open")) {
                        open.add(invoice.key());
                    }
                }
                if (open.isEmpty()) {
                    return;
                }
                for (String key : open) {
                    Optional<LockHandle> lock = client.locks().acquire(key, LOCK_TTL);
                    if (lock.isPresent()) {
                        process(key, lock.get());
                    }
                }
            }
        }

        private void process(String key, LockHandle lock) {
            try (lock) {
                KvResult<String> invoice = client.kv().get(key, Get.withLock(lock.handle()));
                if (!invoice.isSuccess() || !invoice.value().equals("open")) {
                    return;
                }
                if (stallOnFirst && !stalled) {
                    stalled = true;
                    Thread.sleep(LOCK_TTL.multipliedBy(2).toMillis());
                }
                KvStatus status = client.kv().put(key, "paid by " + name, Put.withLock(lock.handle())).status();
                if (status == KvStatus.OK) {
                    paid.incrementAndGet();
                } else {
                    refusedLate.incrementAndGet();
                    System.out.printf("%s stalled on %s: its payment was refused (%s)%n", name, key, status);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        public int paid() {
            return paid.get();
        }

        public int refusedLate() {
            return refusedLate.get();
        }
    }

    /** Creates {@code count} open invoices. */
    public static void openInvoices(DkvClient client, int count) {
        for (int i = 1; i <= count; i++) {
            client.kv().put(String.format("invoices:%04d", i), "open");
        }
    }

    public static void main(String[] args) throws InterruptedException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        try (DkvClient client = Examples.connect()) {
            openInvoices(client, count);
            List<Worker> workers = List.of(new Worker(client, "w1", true), new Worker(client, "w2", false), new Worker(client, "w3", false));
            List<Thread> threads = workers.stream().map(Thread::new).toList();
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join();
            }
            workers.forEach(w -> System.out.printf("%s paid %d, refused late %d%n", w.name, w.paid(), w.refusedLate()));
        }
    }
}
