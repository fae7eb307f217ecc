package io.dkv.gateway.auth.internals;

import io.dkv.gateway.auth.AccessPolicy;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access file ({@code --access-file}) and the policy it holds now. {@link #reloadIfChanged} rereads
 * it; a file that no longer parses keeps the last good policy in force and is logged as an error,
 * so a typo never opens or closes DKV. Reading compares the content, not the modification time, so
 * an edit within the same second and a replaced symlink (a Kubernetes secret) are both seen.
 * {@link #get} is thread-safe and never blocks; {@link #reloadIfChanged} reads the disk.
 */
public final class AccessFile implements Supplier<AccessPolicy> {
    private static final Logger LOG = LoggerFactory.getLogger(AccessFile.class);

    private final Path path;
    private final AtomicReference<AccessPolicy> policy = new AtomicReference<>();
    private byte[] content;

    private AccessFile(Path path) {
        this.path = path;
    }

    /**
     * @throws IllegalArgumentException naming the file and what is wrong in it
     */
    public static AccessFile load(Path path) {
        AccessFile file = new AccessFile(path);
        try {
            byte[] bytes = Files.readAllBytes(path);
            file.policy.set(parse(path, bytes));
            file.content = bytes;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the access file " + path + " (--access-file): " + e);
        }
        return file;
    }

    @Override
    public AccessPolicy get() {
        return policy.get();
    }

    /** Rereads the file; returns whether a new policy is now in force. Blocks on the disk. */
    public synchronized boolean reloadIfChanged() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            LOG.error("Cannot reread the access file {} ({}); the policy read before stays in force", path, e.toString());
            return false;
        }
        if (Arrays.equals(bytes, content)) {
            return false;
        }
        content = bytes;
        try {
            policy.set(parse(path, bytes));
            LOG.info("Access file {} reloaded; it applies to requests from now on and to open watches", path);
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("The access file {} changed but is not valid ({}); the policy read before stays in force", path, e.getMessage());
            return false;
        }
    }

    private static AccessPolicy parse(Path path, byte[] bytes) {
        try {
            return AccessPolicy.parse(new JsonObject(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)));
        } catch (DecodeException e) {
            throw new IllegalArgumentException("the access file " + path + " is not a JSON object: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the access file " + path + ": " + e.getMessage());
        }
    }
}
