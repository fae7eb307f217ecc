package io.dkv.it;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A DKV server in a child JVM (the test's classpath), so a test can SIGKILL it. */
public final class DkvProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private DkvProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts DKV with {@code extraArgs} after the test's options, and waits until it is ready. */
    public static DkvProcess start(String prefix, Path dataDir, int port, Path log, String... extraArgs) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "io.dkv.server.DkvMain",
                "--bootstrap-servers", SharedKafka.bootstrapServers(), "--topic-prefix", prefix,
                "--data-dir", dataDir.toString(), "--port", Integer.toString(port), "--command-partitions", "2"));
        command.addAll(List.of(extraArgs));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            DkvProcess dkv = new DkvProcess(process, port);
            DkvHttp http = new DkvHttp(port);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("DKV exited; see " + log);
                        }
                        return http.get("/ready").status() == 200;
                    });
            return dkv;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or committed on the way out. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    public static File logFile(Path dir) {
        return dir.resolve("dkv.log").toFile();
    }
}
