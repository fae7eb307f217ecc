package io.dkv.server.internals;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Supplies an option's value when its flag is absent: first {@code DKV_<NAME>} from the
 * environment, then the key {@code <name>} of the properties file named by {@code --config} or
 * {@code DKV_CONFIG}; null leaves picocli's declared default.
 */
public final class EnvironmentAndFileDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> env;
    private final Properties file;

    public EnvironmentAndFileDefaults(Map<String, String> env, String[] args) {
        this.env = env;
        this.file = load(configPath(env, args));
    }

    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (!(argSpec instanceof OptionSpec option)) {
            return null;
        }
        String name = option.longestName().replaceFirst("^--", "");
        String fromEnv = env.get("DKV_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
        if (fromEnv != null) {
            return fromEnv;
        }
        return file.getProperty(name);
    }

    private static Path configPath(Map<String, String> env, String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        String fromEnv = env.get("DKV_CONFIG");
        return fromEnv == null ? null : Path.of(fromEnv);
    }

    private static Properties load(Path path) {
        Properties properties = new Properties();
        if (path == null) {
            return properties;
        }
        try (Reader reader = Files.newBufferedReader(path)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the config file " + path + " (given by --config or DKV_CONFIG)", e);
        }
        return properties;
    }
}
