package io.dkv.connect.it;

import static io.dkv.it.SharedDkv.changeTopic;
import static io.dkv.connect.it.SharedConnect.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dkv.client.DkvClient;
import io.dkv.client.kv.KvResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The converter under a stock sink: Kafka's file sink connector, which writes each record's value
 * ({@code Struct.toString()}: {@code Struct{name=value,...}}, null fields left out) as one line.
 */
class ChangeEventConverterIT {

    @Test
    void aStockSinkReceivesEachChangeAsAStructFieldByField() throws Exception {
        Path file = Files.createTempFile("dkv-file-sink", ".txt");
        ConnectWorker worker = SharedConnect.worker();
        try (DkvClient dkv = store("conv")) {
            KvResult<String> first = dkv.kv().put("a", "one");
            KvResult<String> second = dkv.kv().put("a", "two");
            long deletedAt = dkv.kv().delete("a").revision();
            worker.createConnector("conv-file", fileSink(file, "delete-record"));

            List<Map<String, String>> lines = awaitLines(file, 3);
            assertThat(lines.get(0)).containsExactlyInAnyOrderEntriesOf(Map.of("type", "PUT", "value", "one",
                    "revision", Long.toString(first.revision()), "createRevision", Long.toString(first.revision()),
                    "version", "1", "lease", "0", "store", "conv", "batchSize", "1", "batchIndex", "0"));
            assertThat(lines.get(1)).containsExactlyInAnyOrderEntriesOf(Map.of("type", "PUT", "value", "two",
                    "prevValue", "one", "revision", Long.toString(second.revision()),
                    "createRevision", Long.toString(first.revision()), "version", "2", "lease", "0", "store", "conv",
                    "batchSize", "1", "batchIndex", "0"));
            assertThat(lines.get(2)).containsExactlyInAnyOrderEntriesOf(Map.of("type", "DELETE", "prevValue", "two",
                    "revision", Long.toString(deletedAt), "createRevision", "0", "version", "0", "lease", "0",
                    "store", "conv", "batchSize", "1", "batchIndex", "0"));
        } finally {
            worker.deleteConnector("conv-file");
        }
    }

    @Test
    void tombstonesCanReachTheSinkAsNulls() throws Exception {
        Path file = Files.createTempFile("dkv-file-sink", ".txt");
        ConnectWorker worker = SharedConnect.worker();
        try (DkvClient dkv = store("convnull")) {
            dkv.kv().put("a", "one");
            dkv.kv().delete("a");
            Map<String, String> config = fileSink(file, "null");
            config.put("topics", changeTopic("convnull"));
            worker.createConnector("conv-null", config);

            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(file).size() >= 2);
            List<String> lines = Files.readAllLines(file);
            assertThat(lines.get(0)).startsWith("Struct{type=PUT,value=one,");
            assertThat(lines.get(1)).isEqualTo("null");
        } finally {
            worker.deleteConnector("conv-null");
        }
    }

    private static Map<String, String> fileSink(Path file, String tombstones) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector");
        config.put("topics", changeTopic("conv"));
        config.put("file", file.toString());
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "io.dkv.connect.converter.ChangeEventConverter");
        config.put("value.converter.value.format", "string");
        config.put("value.converter.tombstones", tombstones);
        config.put("consumer.override.isolation.level", "read_committed");
        return config;
    }

    /** The first {@code count} lines of the sink's file, each parsed from {@code Struct{k=v,...}}. */
    private static List<Map<String, String>> awaitLines(Path file, int count) throws IOException {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(file).size() >= count);
        return Files.readAllLines(file).stream().limit(count).map(ChangeEventConverterIT::fields).toList();
    }

    private static Map<String, String> fields(String line) {
        assertThat(line).startsWith("Struct{").endsWith("}");
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : line.substring("Struct{".length(), line.length() - 1).split(",")) {
            int equals = field.indexOf('=');
            fields.put(field.substring(0, equals), field.substring(equals + 1));
        }
        return fields;
    }
}
