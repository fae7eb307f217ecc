package io.dkv.connect.it;

import io.dkv.client.DkvClient;
import io.dkv.it.SharedDkv;

/**
 * What the Connect tests of one JVM share: the real DKV ({@link SharedDkv}, on the shared broker) and
 * one Connect worker. Tests isolate themselves by store and connector name.
 */
public final class SharedConnect {
    private static ConnectWorker worker;

    private SharedConnect() {
    }

    public static synchronized ConnectWorker worker() {
        if (worker == null) {
            worker = ConnectWorker.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    worker.kill();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        return worker;
    }

    /** A client of a new store of the shared DKV. */
    public static DkvClient store(String store) {
        DkvClient client = DkvClient.connect(store, "localhost:" + SharedDkv.port());
        client.createStore();
        return client;
    }
}
