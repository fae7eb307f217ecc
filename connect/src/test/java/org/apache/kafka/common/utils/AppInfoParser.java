package org.apache.kafka.common.utils;

/**
 * Lets Kafka's file connector 4.3.1, the stock sink the converter's test runs under (the newest
 * served here), load on a Kafka 4.4 worker: its {@code version()} calls this class, which Kafka 4.4
 * moved to {@code org.apache.kafka.common.utils.internals}. It exists only on the test worker's
 * classpath; the connector's own code runs unchanged.
 */
public final class AppInfoParser {
    private AppInfoParser() {
    }

    public static String getVersion() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getVersion();
    }
}
