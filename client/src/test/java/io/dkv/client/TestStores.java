package io.dkv.client;

import io.dkv.it.SharedDkv;
import java.util.UUID;

/** Clients of fresh stores on the shared DKV. */
final class TestStores {
    private TestStores() {
    }

    /** A client of a store created for the caller alone. */
    static DkvClient newStoreClient() {
        DkvClient client = DkvClient.connect("c" + UUID.randomUUID().toString().substring(0, 8), "localhost:" + SharedDkv.port());
        client.createStore();
        return client;
    }
}
