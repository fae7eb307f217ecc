package io.dkv.server;

import io.dkv.kafka.RequiredAcls;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code bin/dkv acls}: prints the {@code kafka-acls.sh} commands that give DKV's Kafka principal
 * what it needs on a cluster with an authorizer, for the topic prefix and application id DKV would
 * run with (the same flags, variables and config file).
 */
@Command(name = "acls", mixinStandardHelpOptions = true,
        description = "Print the kafka-acls.sh commands that grant DKV's Kafka principal the least it needs (docs/SECURITY.md).")
final class AclsCommand implements Callable<Integer> {
    @ParentCommand
    private DkvMain parent;

    @Option(names = "--principal", required = true, description = "DKV's Kafka principal, for example User:dkv.")
    String principal;

    @Override
    public Integer call() {
        DkvConfig config = parent.config();
        String servers = config.bootstrapServers == null ? "<kafka:9092>" : config.bootstrapServers;
        System.out.println("# ACLs for DKV with --topic-prefix " + config.topicPrefix + " and application id " + config.applicationId()
                + "; run them as a principal allowed to alter ACLs (its settings in admin.properties).");
        for (RequiredAcls.Entry entry : RequiredAcls.of(config.topicPrefix, config.applicationId())) {
            System.out.println("# " + entry.why());
            System.out.println(entry.command(principal, servers));
        }
        return 0;
    }
}
