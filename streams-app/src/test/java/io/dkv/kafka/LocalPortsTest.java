package io.dkv.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class LocalPortsTest {

    @Test
    void aFreePortLiesBelowTheEphemeralRangeSoNoOutgoingConnectionCanTakeItAndItCanBeBound() throws Exception {
        for (int i = 0; i < 20; i++) {
            int port = LocalPorts.free();
            assertThat(port).isBetween(10000, LocalPorts.ephemeralStart() - 1);
            try (ServerSocket socket = new ServerSocket(port)) {
                assertThat(socket.getLocalPort()).isEqualTo(port);
            }
        }
    }
}
