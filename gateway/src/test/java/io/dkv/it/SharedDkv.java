package io.dkv.it;

import io.dkv.kafka.DkvTopics;
import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;

/**
 * One real DKV (embedded broker, Streams, RocksDB, HTTP gateway) shared by the tests of one JVM that
 * only need a server, such as the Java client's and the Spring adapters'. Tests isolate themselves by
 * store.
 */
public final class SharedDkv {
    private static DkvServer server;
    private static DkvConfig config;

    private SharedDkv() {
    }

    /** The shared server's HTTP port, starting it on first use. */
    public static synchronized int port() {
        if (server == null) {
            config = TestDkv.config();
            // Not closed: at exit it would race the broker's own shutdown hook and wait out Kafka timeouts.
            server = TestDkv.start(config);
        }
        return server.port();
    }

    /** The shared server's topic prefix. */
    public static synchronized String topicPrefix() {
        port();
        return config.topicPrefix;
    }

    /** The change topic of a store of the shared server. */
    public static synchronized String changeTopic(String store) {
        port();
        return new DkvTopics(config.topicPrefix, config.topicSettings()).changes(store);
    }
}
