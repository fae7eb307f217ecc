package io.dkv.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs a test's workers on threads of their own and waits for all of them. */
final class Concurrently {

    /** One worker's body, given its index; an assertion error or exception fails the run. */
    interface Worker {
        void run(int index) throws Exception;
    }

    private Concurrently() {
    }

    /**
     * Runs {@code worker} for indexes 0 to {@code workers - 1} at once and returns when all are done.
     *
     * @throws java.util.concurrent.ExecutionException with the first failed worker's error
     * @throws java.util.concurrent.TimeoutException when a worker runs longer than a minute
     */
    static void run(int workers, Worker worker) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int index = w;
                done.add(pool.submit(() -> {
                    worker.run(index);
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
