package io.dkv.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

/** Which ACL entry a refusal of Kafka's names, and how the entries print. */
class RequiredAclsTest {

    @Test
    void aRefusalNamesTheEntryThatGrantsWhatWasRefused() {
        assertThat(RequiredAcls.explain(new IllegalStateException("cannot create topic",
                new TopicAuthorizationException("denied", Set.of("dkv.commands"))), "dkv", "dkv-app")).get().asString()
                .contains("topic dkv.commands", "Create, Describe, DescribeConfigs, Read, Write, Delete on topics prefixed 'dkv.'", "bin/dkv acls");
        assertThat(RequiredAcls.explain(new TopicAuthorizationException("denied", Set.of("dkv-app-requests-changelog")), "dkv", "dkv-app"))
                .get().asString().contains("topics prefixed 'dkv-app-'");
        assertThat(RequiredAcls.explain(new StreamsException(new GroupAuthorizationException("denied", "dkv-app")), "dkv", "dkv-app"))
                .get().asString().contains("consumer group dkv-app", "Read, Describe on consumer group 'dkv-app'");
        assertThat(RequiredAcls.explain(new TransactionalIdAuthorizationException("denied"), "dkv", "dkv-app"))
                .get().asString().contains("Write, Describe on transactional ids prefixed 'dkv-app-'");
        assertThat(RequiredAcls.explain(new IllegalStateException("disk full"), "dkv", "dkv-app")).isEmpty();
    }

    @Test
    void entriesPrintAsKafkaAclsCommands() {
        assertThat(RequiredAcls.of("dkv", "dkv").get(2).command("User:dkv", "kafka:9092")).isEqualTo("kafka-acls.sh --bootstrap-server"
                + " kafka:9092 --command-config admin.properties --add --allow-principal User:dkv --operation Read --operation Describe"
                + " --group 'dkv' --resource-pattern-type literal");
    }
}
