package io.dkv.it;

import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** Builds configurations for DKV instances under test, each isolated by its own topic prefix. */
public final class TestDkv {
    private TestDkv() {
    }

    /** A configuration against the shared broker with a fresh topic prefix, data dir and free port. */
    public static DkvConfig config() {
        return config("t" + UUID.randomUUID().toString().substring(0, 8), tempDir());
    }

    /** A configuration for another instance of the same deployment (same prefix), with its own data dir. */
    public static DkvConfig config(String prefix, Path dataDir) {
        DkvConfig config = DkvConfig.defaults();
        config.bootstrapServers = SharedKafka.bootstrapServers();
        config.topicPrefix = prefix;
        config.dataDir = dataDir;
        config.port = 0;
        config.commandPartitions = 4;
        return config;
    }

    public static DkvServer start(DkvConfig config) {
        return DkvServer.start(config);
    }

    public static Path tempDir() {
        try {
            return Files.createTempDirectory("dkv-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
