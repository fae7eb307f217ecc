package io.dkv.it;

import java.io.File;
import java.nio.file.Path;

/**
 * Programs from the machine's packages that some tests run (docker-compose, redis-server). Such a test
 * runs wherever the program is installed and always under CI ({@code CI} set), whose {@code .ci/run}
 * installs it; elsewhere it is skipped, so {@code mvn -B verify} passes on a machine with only Java and
 * Maven.
 */
public final class InstalledTools {
    private InstalledTools() {
    }

    /** Whether the test needing {@code program} should run: it is on the PATH, or this is CI. */
    public static boolean available(String program) {
        if (System.getenv("CI") != null) {
            return true;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Path.of(dir, program).toFile().canExecute()) {
                return true;
            }
        }
        return false;
    }
}
