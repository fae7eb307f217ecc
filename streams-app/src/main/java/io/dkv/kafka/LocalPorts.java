package io.dkv.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Picks free TCP ports on this machine, for listeners configured with port 0. */
public final class LocalPorts {
    private LocalPorts() {
    }

    /**
     * A port that was free a moment ago. Another process may still take it before the caller binds,
     * so use it at once.
     */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port", e);
        }
    }
}
