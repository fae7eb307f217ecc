package io.dkv.examples;

import io.dkv.client.DkvClient;
import io.dkv.client.kv.Txn;
import io.dkv.client.kv.TxnResult;
import io.dkv.client.watch.Subscription;
import io.dkv.client.watch.WatchEvent;
import io.dkv.client.watch.WatchOptions;
import io.dkv.client.watch.WatchStart;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 1: a job worker that reacts to {@code jobs:} with a watch instead of polling. Every worker
 * sees every job (the snapshot first, then each new one); one of them claims it with a transaction
 * that creates {@code claims:<id>} only if absent and writes {@code results:<id>}, so each job is done
 * once however many workers run.
 *
 * <p>{@code java -cp 'examples/target/examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' io.dkv.examples.JobWorker worker-1},
 * then {@code curl -X PUT localhost:7861/v1/stores/examples/kv/jobs:1 --data-binary 'resize image 1'}.
 */
public final class JobWorker implements AutoCloseable {
    private final DkvClient client;
    private final String name;
    private final ExecutorService work = Executors.newSingleThreadExecutor();
    private final AtomicInteger done = new AtomicInteger();
    private Subscription subscription;

    public JobWorker(DkvClient client, String name) {
        this.client = client;
        this.name = name;
    }

    /** Takes the jobs there are, then every new one as it is put. */
    public void start() {
        WatchStart<String> start = client.watch().watchPrefix("jobs:", WatchOptions.snapshot(), this::onEvent);
        start.snapshot().forEach(entry -> work.execute(() -> take(entry.key(), entry.value())));
        subscription = start.subscription();
    }

    private void onEvent(WatchEvent<String> event) {
        if (event.type() == WatchEvent.Type.PUT && event.version() == 1) {
            // The watch thread only hands the job over: the work runs on the worker's own thread.
            work.execute(() -> take(event.key(), event.value()));
        }
    }

    private void take(String key, String payload) {
        String id = key.substring("jobs:".length());
        TxnResult<String> claim = client.kv().txn().ifVersion("claims:" + id, Txn.Cmp.EQUAL, 0)
                .thenPut("claims:" + id, name).thenPut("results:" + id, name + " did '" + payload + "'").commit();
        if (claim.succeeded()) {
            done.incrementAndGet();
            System.out.printf("%s did job %s: %s%n", name, id, payload);
        }
    }

    /** How many jobs this worker did. */
    public int done() {
        return done.get();
    }

    @Override
    public void close() {
        if (subscription != null) {
            subscription.stop();
        }
        work.shutdownNow();
    }

    public static void main(String[] args) throws InterruptedException {
        DkvClient client = Examples.connect();
        try (JobWorker worker = new JobWorker(client, args.length > 0 ? args[0] : "worker-" + ProcessHandle.current().pid())) {
            worker.start();
            System.out.println(worker.name + " is waiting for jobs:* keys in store " + client.store() + " (Ctrl-C stops)");
            Thread.currentThread().join();
        }
    }
}
