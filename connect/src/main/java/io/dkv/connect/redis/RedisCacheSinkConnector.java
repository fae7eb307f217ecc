package io.dkv.connect.redis;

import io.dkv.connect.PluginVersion;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Keeps a Redis cache in step with DKV stores: it reads their change topics
 * ({@code topics=dkv.store.orders.changes}, or {@code topics.regex=dkv\.store\..*\.changes}) and,
 * per change, deletes the cached entry ({@code mode=invalidate}) or writes the new value and deletes
 * on a delete ({@code mode=refresh}, guarded by revision so that replays are harmless).
 *
 * <p>Set {@code value.converter=io.dkv.connect.converter.ChangeEventConverter},
 * {@code key.converter=org.apache.kafka.connect.converters.ByteArrayConverter} and
 * {@code consumer.override.isolation.level=read_committed} (or the worker's
 * {@code consumer.isolation.level}): DKV writes change records in transactions. Tasks share the
 * topics' partitions; a store's change topic has one partition, so one task serves each store, and
 * spreading many stores over the tasks takes
 * {@code consumer.override.partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor}
 * (the default range assignor gives every topic's partition 0 to the first task).
 * Options: {@link RedisCacheSinkConfig}.
 */
public class RedisCacheSinkConnector extends SinkConnector {
    private Map<String, String> props = Map.of();

    @Override
    public String version() {
        return PluginVersion.get();
    }

    @Override
    public void start(Map<String, String> props) {
        new RedisCacheSinkConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return RedisCacheSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return Collections.nCopies(maxTasks, props);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return RedisCacheSinkConfig.CONFIG_DEF;
    }

    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, String> errors = RedisCacheSinkConfig.crossFieldErrors(connectorConfigs);
        for (ConfigValue value : config.configValues()) {
            String error = errors.get(value.name());
            if (error != null) {
                value.addErrorMessage(error);
            }
        }
        return config;
    }
}
