package io.dkv.connect.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dkv.it.InstalledTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import redis.clients.jedis.Jedis;

/**
 * A real {@code redis-server} (Debian's package; {@code .ci/run} installs it) in a child process on
 * a free loopback port. It can be shut down with a save and started again on the same port with
 * the same data, to stand for an outage.
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private Process process;

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** Starts a server, or skips the calling test where redis-server is not installed ({@link InstalledTools}). */
    public static RedisServer start() {
        assumeTrue(InstalledTools.available("redis-server"), "redis-server is not installed (apt-get install redis-server)");
        try {
            RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("dkv-redis"));
            server.startAgain();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server (again) on its port, with the data it saved when it was shut down. */
    public void startAgain() {
        try {
            process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--appendonly", "no"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server (apt-get install redis-server): " + e.getMessage(), e);
        }
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited; see " + dir.resolve("redis.log"));
            }
            try (Jedis jedis = jedis()) {
                return "PONG".equals(jedis.ping());
            }
        });
    }

    /** Saves the data and stops the server: clients get connection errors until {@link #startAgain()}. */
    public void shutdown() throws InterruptedException {
        try (Jedis jedis = jedis()) {
            jedis.shutdown(redis.clients.jedis.params.ShutdownParams.shutdownParams().save());
        } catch (RuntimeException expected) {
            // The server closes the connection as it exits.
        }
        process.waitFor();
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public Jedis jedis() {
        return new Jedis("127.0.0.1", port);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
