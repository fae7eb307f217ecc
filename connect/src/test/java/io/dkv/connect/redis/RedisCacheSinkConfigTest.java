package io.dkv.connect.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dkv.connect.redis.internals.KeyTemplate;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RedisCacheSinkConfigTest {

    @Test
    void theTemplateRendersTheKeyBytesExactlyAsWritten() {
        byte[] key = {(byte) 0xff, 'a', '/', '.'};
        byte[] rendered = KeyTemplate.parse("cache:${store}/${topic}:${key}").render("orders", "t", key);
        byte[] prefix = "cache:orders/t:".getBytes(StandardCharsets.UTF_8);
        assertThat(rendered).startsWith(prefix).endsWith(key).hasSize(prefix.length + key.length);
        assertThat(KeyTemplate.parse("${key}").usesStore()).isFalse();
    }

    @Test
    void aTemplateWithoutTheKeyOrWithAnUnknownPlaceholderIsRefused() {
        assertThatThrownBy(() -> KeyTemplate.parse("${store}:fixed")).hasMessageContaining("${key}");
        assertThatThrownBy(() -> KeyTemplate.parse("${stor}:${key}")).hasMessageContaining("unknown placeholder ${stor}");
    }

    @Test
    void crossFieldRulesFailTheConfigurationWithTheOptionNamed() {
        assertThatThrownBy(() -> new RedisCacheSinkConfig(Map.of("mode", "invalidate", "refresh.ttl.ms", "5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("refresh.ttl.ms");
        assertThatThrownBy(() -> new RedisCacheSinkConfig(Map.of("mode", "refresh", "revision.key.suffix", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("revision.key.suffix");
        assertThatThrownBy(() -> new RedisCacheSinkConfig(Map.of("redis.uri", " ")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("redis.uri");
        RedisCacheSinkConfig config = new RedisCacheSinkConfig(Map.of("mode", "refresh", "refresh.ttl.ms", "5"));
        assertThat(config.refresh()).isTrue();
        assertThat(config.refreshTtlMs()).isEqualTo(5);
    }

    @Test
    void theConnectorGivesEveryTaskTheSameConfiguration() {
        RedisCacheSinkConnector connector = new RedisCacheSinkConnector();
        connector.start(Map.of("mode", "refresh", "topics", "a"));
        assertThat(connector.taskConfigs(3)).hasSize(3).allSatisfy(c -> assertThat(c).containsEntry("mode", "refresh"));
        assertThat(connector.taskClass()).isEqualTo(RedisCacheSinkTask.class);
    }
}
