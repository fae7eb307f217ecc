package io.dkv.bench;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The floor of DKV's design: one record produced → an exactly-once pass-through Kafka Streams
 * app → read with read_committed, one at a time, on the same broker and with the same Streams
 * settings DKV uses. No HTTP, no RocksDB, no Avro: what is left is Kafka's own round trip.
 */
@Command(name = "eos-floor", mixinStandardHelpOptions = true)
public final class EosRoundTripFloor implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", defaultValue = "localhost:19092")
    String bootstrapServers;

    @Option(names = "--round-trips", defaultValue = "2000")
    int roundTrips;

    @Option(names = "--commit-interval-ms", defaultValue = "0")
    long commitIntervalMs;

    @Option(names = "--poll-ms", defaultValue = "1")
    long pollMs;

    @Override
    public Integer call() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String in = "floor-in-" + run;
        String out = "floor-out-" + run;
        Properties common = new Properties();
        common.put("bootstrap.servers", bootstrapServers);
        try (Admin admin = Admin.create(common)) {
            admin.createTopics(List.of(new NewTopic(in, 1, (short) -1), new NewTopic(out, 1, (short) -1))).all().get();
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in).to(out);
        Properties streamsProps = new Properties();
        streamsProps.putAll(common);
        streamsProps.put(StreamsConfig.APPLICATION_ID_CONFIG, "floor-" + run);
        streamsProps.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        streamsProps.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, String.valueOf(commitIntervalMs));
        streamsProps.put(StreamsConfig.POLL_MS_CONFIG, String.valueOf(pollMs));
        streamsProps.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "0");
        streamsProps.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
        streamsProps.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
        streamsProps.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/floor-" + run);

        Properties producerProps = new Properties();
        producerProps.putAll(common);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        Properties consumerProps = new Properties();
        consumerProps.putAll(common);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "floor-reader-" + run);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");

        Histogram histogram = new Histogram(60_000_000L, 3);
        try (KafkaStreams streams = new KafkaStreams(builder.build(), streamsProps);
                KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            streams.start();
            consumer.subscribe(List.of(out));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            for (int i = 0; i < roundTrips + 100 && System.nanoTime() < deadline; i++) {
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(in, "k", Integer.toString(i))).get();
                boolean received = false;
                while (!received && System.nanoTime() < deadline) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                    received = records.count() > 0;
                }
                if (i >= 100) {
                    histogram.recordValue((System.nanoTime() - sent) / 1000);
                }
            }
            streams.close(Duration.ofSeconds(10));
        }
        System.out.printf("EOS round trip floor (commit.interval.ms=%d, poll.ms=%d, %d round trips): p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms%n",
                commitIntervalMs, pollMs, histogram.getTotalCount(), histogram.getValueAtPercentile(50) / 1000.0,
                histogram.getValueAtPercentile(99) / 1000.0, histogram.getValueAtPercentile(99.9) / 1000.0);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new EosRoundTripFloor()).execute(args));
    }
}
