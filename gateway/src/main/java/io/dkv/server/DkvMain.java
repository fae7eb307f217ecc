package io.dkv.server;

import io.dkv.server.internals.EnvironmentAndFileDefaults;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code bin/dkv}: starts one DKV process and runs until Ctrl-C or SIGTERM. */
@Command(name = "dkv", mixinStandardHelpOptions = true, version = "DKV 0.1.0", subcommands = {TokenCommand.class, AclsCommand.class},
        description = "A Kafka-log-backed key-value and coordination service. Without --bootstrap-servers it runs"
                + " a complete single-machine DKV with an embedded Kafka broker on port 7861.")
public final class DkvMain implements Callable<Integer> {
    @Mixin
    private final DkvConfig config;

    public DkvMain() {
        this(new DkvConfig());
    }

    DkvMain(DkvConfig config) {
        this.config = config;
    }

    /** The options given to {@code bin/dkv}, which its subcommands read. */
    DkvConfig config() {
        return config;
    }

    @Override
    public Integer call() throws Exception {
        DkvServer server;
        try {
            server = DkvServer.start(config);
        } catch (RuntimeException e) {
            System.err.println("DKV failed to start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread shutdown = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "dkv-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        server.failed().thenAccept(message -> {
            System.err.println("DKV stopped: " + message);
            stopped.countDown();
        });
        stopped.await();
        if (server.failed().isDone()) {
            Runtime.getRuntime().removeShutdownHook(shutdown);
            server.close();
            return 1;
        }
        return 0;
    }

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new DkvMain())
                .setDefaultValueProvider(new EnvironmentAndFileDefaults(System.getenv(), args));
        int code = commandLine.execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
