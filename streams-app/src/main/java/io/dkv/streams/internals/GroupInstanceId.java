package io.dkv.streams.internals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The static consumer-group member id ({@code group.instance.id}) of the DKV instance that owns a
 * state directory, kept in a file there so that it survives restarts. A restarted instance rejoins
 * under the id of its previous incarnation and takes that member's place, and its tasks, at once;
 * with a fresh id the group would wait for the dead member's session to time out first. Two
 * instances never share a state directory (Kafka Streams locks it), so they never share an id.
 */
public final class GroupInstanceId {
    static final String FILE = "dkv-group-instance-id";

    private GroupInstanceId() {
    }

    /**
     * @return the id stored in {@code stateDir}, after creating one if there is none
     * @throws UncheckedIOException if the directory cannot be read or written
     */
    public static String of(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            Files.createDirectories(stateDir);
            String id = "dkv-" + UUID.randomUUID();
            // Written aside and moved in place, so a crash never leaves a half-written id.
            Path written = Files.writeString(stateDir.resolve(FILE + ".tmp"), id, StandardCharsets.UTF_8);
            Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the group instance id in " + stateDir, e);
        }
    }
}
