package io.dkv.it;

import io.dkv.server.DkvServer;

/**
 * One real DKV (embedded broker, Streams, RocksDB, HTTP gateway) shared by the tests of one JVM that
 * only need a server, such as the Java client's and the Spring adapters'. Tests isolate themselves by
 * store.
 */
public final class SharedDkv {
    private static DkvServer server;

    private SharedDkv() {
    }

    /** The shared server's HTTP port, starting it on first use. */
    public static synchronized int port() {
        if (server == null) {
            // Not closed: at exit it would race the broker's own shutdown hook and wait out Kafka timeouts.
            server = TestDkv.start(TestDkv.config());
        }
        return server.port();
    }
}
