package io.dkv.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks free TCP ports on this machine, for listeners configured with port 0.
 *
 * <p>A port is chosen below the kernel's ephemeral range. A port from inside that range (what binding
 * port 0 gives) can be taken as the local port of any outgoing connection between the pick and the
 * bind, and DKV opens Kafka connections in exactly that gap; a port below it can only be taken by
 * another listener.
 */
public final class LocalPorts {
    private static final Path LINUX_EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Where macOS and Windows start their ephemeral range (IANA's suggestion). */
    private static final int IANA_EPHEMERAL_START = 49152;
    private static final int LOWEST = 10000;
    private static final int ATTEMPTS = 100;

    private LocalPorts() {
    }

    /**
     * A port that was free a moment ago. Another listener may still take it before the caller binds,
     * so use it at once. Thread-safe.
     *
     * @throws UncheckedIOException if no port can be bound at all
     */
    public static int free() {
        int below = ephemeralStart();
        for (int i = 0; i < ATTEMPTS && below > LOWEST; i++) {
            int candidate = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (bindable(candidate)) {
                return candidate;
            }
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port", e);
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int ephemeralStart() {
        try {
            // Not Files.readString: /proc reports a size of 0 and it then reads only the first byte.
            String range = Files.readAllLines(LINUX_EPHEMERAL_RANGE).get(0).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return IANA_EPHEMERAL_START;
        }
    }
}
