package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class HttpEventLoopsTest {

    /**
     * Three HTTP servers share the port; concurrent writers (several connections) are all answered,
     * each put at its own revision, and closing DKV closes every server, so the port is free again.
     */
    @Test
    void severalServersShareThePortAndAllCloseWithDkv() throws Exception {
        DkvConfig config = TestDkv.config();
        config.httpEventLoops = 3;
        int port;
        Set<Long> revisions = ConcurrentHashMap.newKeySet();
        try (DkvServer server = TestDkv.start(config)) {
            port = server.port();
            DkvHttp http = new DkvHttp(port);
            assertThat(http.put("/v1/stores/loops", "").status()).isEqualTo(201);
            Concurrently.run(8, w -> {
                String key = "/v1/stores/loops/kv/w" + w;
                for (int i = 0; i < 10; i++) {
                    DkvHttp.Response put = http.put(key, "v" + i);
                    assertThat(put.status()).as("%s: %s", key, put).isIn(200, 201);
                    revisions.add(put.revision());
                }
            });
        }
        assertThat(revisions).hasSize(80);
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(config.host, port));
            assertThat(again.isBound()).as("every HTTP server closed with DKV").isTrue();
        }
    }
}
