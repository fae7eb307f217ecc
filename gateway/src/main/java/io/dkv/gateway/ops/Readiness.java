package io.dkv.gateway.ops;

import io.dkv.streams.StreamsNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * Whether this instance can serve: Kafka answers (checked in the background every few seconds,
 * so /ready never waits on Kafka) and the Streams topology is RUNNING. Thread-safe.
 */
public final class Readiness {
    private static final long CHECK_INTERVAL_MS = 3_000;

    private final StreamsNode node;
    private final Admin admin;
    private volatile boolean kafkaReachable;
    private volatile String kafkaProblem = "not checked yet";

    public Readiness(Vertx vertx, StreamsNode node, Admin admin) {
        this.node = node;
        this.admin = admin;
        check();
        vertx.setPeriodic(CHECK_INTERVAL_MS, id -> vertx.executeBlocking(() -> {
            check();
            return null;
        }, false));
    }

    private void check() {
        try {
            admin.describeCluster().clusterId().get(2_000, TimeUnit.MILLISECONDS);
            kafkaReachable = true;
            kafkaProblem = null;
        } catch (Exception e) {
            kafkaReachable = false;
            kafkaProblem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    public boolean ready() {
        return kafkaReachable && node.isRunning();
    }

    public JsonObject status() {
        JsonObject kafka = new JsonObject().put("reachable", kafkaReachable);
        if (kafkaProblem != null) {
            kafka.put("problem", kafkaProblem);
        }
        return new JsonObject().put("status", ready() ? "READY" : "NOT_READY").put("kafka", kafka)
                .put("streams", node.state().name());
    }
}
