package io.dkv.client;

import io.dkv.it.TestDkv;
import io.dkv.server.DkvServer;
import java.util.UUID;

/** One real DKV (embedded broker, Streams, RocksDB, HTTP gateway) shared by the client tests of this JVM. */
final class SharedDkv {
    private static DkvServer server;

    private SharedDkv() {
    }

    static synchronized int port() {
        if (server == null) {
            // Not closed: at exit it would race the broker's own shutdown hook and wait out Kafka timeouts.
            server = TestDkv.start(TestDkv.config());
        }
        return server.port();
    }

    /** A client of a store created for the caller alone. */
    static DkvClient newStoreClient() {
        DkvClient client = DkvClient.connect("c" + UUID.randomUUID().toString().substring(0, 8), "localhost:" + port());
        client.createStore();
        return client;
    }
}
