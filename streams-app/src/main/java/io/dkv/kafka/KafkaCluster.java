package io.dkv.kafka;

import java.util.Map;
import java.util.Properties;

/**
 * How every Kafka client of DKV reaches the cluster: its bootstrap servers and the properties each
 * client gets first, before its own settings ({@code --kafka-property}: {@code security.protocol},
 * {@code sasl.*}, {@code ssl.*} for a secured cluster). Immutable.
 *
 * @param clientProperties connection and security properties; a client's own settings (acks,
 *     isolation level, client id) are applied after them and win
 */
public record KafkaCluster(String bootstrapServers, Map<String, String> clientProperties) {

    public KafkaCluster {
        clientProperties = Map.copyOf(clientProperties);
    }

    /** A cluster reached without extra properties (a plaintext listener). */
    public static KafkaCluster at(String bootstrapServers) {
        return new KafkaCluster(bootstrapServers, Map.of());
    }

    /** New properties holding the client properties and the bootstrap servers, for one client to add its own settings to. */
    public Properties properties() {
        Properties properties = new Properties();
        properties.putAll(clientProperties);
        properties.put("bootstrap.servers", bootstrapServers);
        return properties;
    }
}
