package io.dkv.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The Kafka ACLs a DKV deployment needs on a cluster with an authorizer, and no more: its own topics
 * ({@code <topic prefix>.}: commands, change topics, which DKV creates and deletes with its stores),
 * the topics, consumer group and transactional ids of its Kafka Streams application
 * ({@code <application id>}). {@code bin/dkv acls} prints them as
 * {@code kafka-acls.sh} commands; the startup error for a refused operation names the entry.
 */
public final class RequiredAcls {
    private RequiredAcls() {
    }

    /**
     * One ACL entry: operations on resources named {@code name} ({@link PatternType#LITERAL}) or
     * starting with it ({@link PatternType#PREFIXED}), and why DKV needs them.
     */
    public record Entry(ResourceType type, String name, PatternType pattern, List<AclOperation> operations, String why) {
        public List<AclBinding> bindings(String principal) {
            List<AclBinding> bindings = new ArrayList<>();
            for (AclOperation operation : operations) {
                bindings.add(new AclBinding(new ResourcePattern(type, name, pattern),
                        new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
            }
            return bindings;
        }

        /** The {@code kafka-acls.sh} command that adds this entry. */
        public String command(String principal, String bootstrapServers) {
            String resource = switch (type) {
                case TOPIC -> "--topic";
                case GROUP -> "--group";
                case TRANSACTIONAL_ID -> "--transactional-id";
                default -> throw new IllegalStateException(type.toString());
            };
            StringBuilder command = new StringBuilder("kafka-acls.sh --bootstrap-server " + bootstrapServers
                    + " --command-config admin.properties --add --allow-principal " + principal);
            operations.forEach(operation -> command.append(" --operation ").append(operationName(operation)));
            return command.append(" ").append(resource).append(" '").append(name).append("' --resource-pattern-type ")
                    .append(pattern.name().toLowerCase()).toString();
        }

        /** How the entry reads in a sentence: "Create, Describe on topics prefixed 'dkv.'". */
        public String describe() {
            String kind = switch (type) {
                case TOPIC -> "topic";
                case GROUP -> "consumer group";
                case TRANSACTIONAL_ID -> "transactional id";
                default -> type.toString();
            };
            return String.join(", ", operations.stream().map(RequiredAcls::operationName).toList()) + " on "
                    + (pattern == PatternType.PREFIXED ? kind + "s prefixed '" : kind + " '") + name + "'";
        }
    }

    /** The entries for a deployment with {@code topicPrefix} and {@code applicationId}. */
    public static List<Entry> of(String topicPrefix, String applicationId) {
        return List.of(
                new Entry(ResourceType.TOPIC, topicPrefix + ".", PatternType.PREFIXED, List.of(AclOperation.CREATE, AclOperation.DESCRIBE,
                        AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE),
                        "the commands topic and the change topics: created at start and with each store, deleted with it"),
                new Entry(ResourceType.TOPIC, applicationId + "-", PatternType.PREFIXED, List.of(AclOperation.CREATE, AclOperation.DESCRIBE,
                        AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.WRITE),
                        "Kafka Streams' changelog topics, which hold the stores' state and the replies"),
                new Entry(ResourceType.GROUP, applicationId, PatternType.LITERAL, List.of(AclOperation.READ, AclOperation.DESCRIBE),
                        "the consumer group of the Streams application, which spreads the stores over instances"),
                new Entry(ResourceType.TRANSACTIONAL_ID, applicationId + "-", PatternType.PREFIXED, List.of(AclOperation.WRITE, AclOperation.DESCRIBE),
                        "the exactly-once transactions of the Streams application"));
    }

    /**
     * What to tell the operator when {@code failure} (or one of its causes) is Kafka refusing DKV's
     * principal: the resource refused and the entry of {@link #of} that grants it.
     *
     * @return empty when the failure is not an authorization failure
     */
    public static Optional<String> explain(Throwable failure, String topicPrefix, String applicationId) {
        List<Entry> entries = of(topicPrefix, applicationId);
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TopicAuthorizationException denied) {
                String topic = denied.unauthorizedTopics().stream().sorted().findFirst().orElse(null);
                Optional<Entry> entry = entries.stream().filter(e -> e.type() == ResourceType.TOPIC && topic != null
                        && topic.startsWith(e.name())).findFirst();
                return Optional.of(message(topic == null ? "a topic" : "topic " + topic, t, entry));
            }
            if (t instanceof GroupAuthorizationException denied) {
                return Optional.of(message("consumer group " + denied.groupId(), t, entry(entries, ResourceType.GROUP)));
            }
            if (t instanceof TransactionalIdAuthorizationException) {
                return Optional.of(message("a transactional id", t, entry(entries, ResourceType.TRANSACTIONAL_ID)));
            }
            if (t instanceof AuthorizationException) {
                return Optional.of(message("an operation", t, Optional.empty()));
            }
        }
        return Optional.empty();
    }

    private static Optional<Entry> entry(List<Entry> entries, ResourceType type) {
        return entries.stream().filter(e -> e.type() == type).findFirst();
    }

    private static String message(String resource, Throwable denied, Optional<Entry> entry) {
        return "Kafka refuses DKV's principal access to " + resource + " (" + denied.getClass().getSimpleName() + ": "
                + denied.getMessage() + "): grant it " + entry.map(e -> e.describe() + ", for " + e.why()).orElse("the ACLs DKV needs")
                + ". bin/dkv acls prints the kafka-acls.sh commands for every ACL DKV needs (docs/SECURITY.md)";
    }

    static String operationName(AclOperation operation) {
        StringBuilder name = new StringBuilder();
        for (String part : operation.name().split("_")) {
            name.append(part.charAt(0)).append(part.substring(1).toLowerCase());
        }
        return name.toString();
    }
}
