package io.dkv.examples;

import io.dkv.client.DkvClient;

/** How the examples reach DKV: {@code DKV_SERVERS} (default localhost:7861) and {@code DKV_STORE} (default examples). */
final class Examples {
    private Examples() {
    }

    static DkvClient connect() {
        String servers = System.getenv().getOrDefault("DKV_SERVERS", "localhost:7861");
        DkvClient client = DkvClient.connect(System.getenv().getOrDefault("DKV_STORE", "examples"), servers.split(","));
        client.createStore();
        return client;
    }
}
