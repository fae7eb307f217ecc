package io.dkv.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * SIGKILLs a whole single-machine DKV (embedded broker, Streams and gateway in one process, as
 * {@code bin/dkv} runs it) again and again on one data directory, under a write load, at random
 * moments: while it serves writes, while it starts (broker recovery, group join, a task's rebuild of
 * its keys). After every restart it waits for {@code /ready}, then checks that every acknowledged
 * write is readable with its value, and measures restart-to-ready with the phases of the start.
 *
 * <p>Writers overwrite a bounded key space (each writer its own keys, one write in flight at a
 * time), so a key's value after a crash is its last acknowledged value or the one write to it that
 * was in flight when the process died; anything else is a lost or corrupted write. Stops at the first
 * restart that does not become ready within {@code --ready-timeout-s}, printing the log's tail.
 * Prints a Markdown summary for docs/BENCHMARKS.md; exits 1 if any check failed.
 */
@Command(name = "crash-loop", mixinStandardHelpOptions = true)
public final class CrashLoop implements Callable<Integer> {
    private static final Pattern LOG_TIME = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d) ");
    private static final DateTimeFormatter HMS = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    /** What DKV logs when it ends a transaction the broker left hanging (HangingTransactionRepair). */
    private static final String HANGING_ENDED = "ended a hanging transaction";
    private static final List<String> PHASES = List.of("[1/4]", "[2/4]", "[3/4]", "-> RUNNING", "DKV listening");

    @Option(names = "--dkv", description = "the launcher (default: bin/dkv of this checkout)", defaultValue = "bin/dkv")
    Path launcher;

    @Option(names = "--work-dir", description = "data directory and per-round logs go here (default: a new temporary directory)")
    Path workDir;

    @Option(names = "--port", defaultValue = "7881")
    int port;

    @Option(names = "--kafka-port", defaultValue = "19392")
    int kafkaPort;

    @Option(names = "--kills", defaultValue = "50")
    int kills;

    @Option(names = "--writers", defaultValue = "8")
    int writers;

    @Option(names = "--keys-per-writer", defaultValue = "2000")
    int keysPerWriter;

    @Option(names = "--max-load-s", defaultValue = "6", description = "a kill under load comes 0.5 s to this long after ready")
    double maxLoadSeconds;

    @Option(names = "--start-kill-percent", defaultValue = "30", description = "share of kills aimed at a start instead of a loaded, ready DKV")
    int startKillPercent;

    @Option(names = "--ready-timeout-s", defaultValue = "120")
    int readyTimeoutSeconds;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Option(names = "--dkv-arg", description = "extra argument for the launcher (repeatable)")
    List<String> dkvArgs = new ArrayList<>();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Per key: the last acknowledged value. */
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    /** Per key: the value of a write that was sent and not answered (at most one per writer). */
    private final Map<String, String> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong acknowledgedWrites = new AtomicLong();

    public static void main(String[] args) {
        System.exit(new CommandLine(new CrashLoop()).execute(args));
    }

    /** A restart that became ready, after a kill under load or of a start. */
    private record Restart(int round, boolean killedDuringStart, long readyMs, Map<String, Long> phases, boolean endedHanging) {
    }

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? workDir : Files.createTempDirectory("dkv-crash-loop");
        Files.createDirectories(work.resolve("logs"));
        Random random = new Random(seed);
        List<Restart> restarts = new ArrayList<>();
        long lost = 0;
        int startKills = 0;
        long lastReadyMs = 10_000;
        System.out.printf("crash loop: %d kills, %d writers, data in %s%n", kills, writers, work.resolve("data"));

        Process process = start(work, 0);
        if (!awaitReady(process, work, 0, System.nanoTime())) {
            System.out.printf("the first start did not become ready; log tail:%n%s%n", tail(log(work, 0), 60));
            return 1;
        }
        createStore();
        int killed = 0;
        int round = 0;
        while (killed < kills) {
            runLoad(Duration.ofMillis(500 + (long) (random.nextDouble() * (maxLoadSeconds - 0.5) * 1000)));
            process.destroyForcibly().waitFor();
            stopLoad();
            killed++;
            boolean killedDuringStart = false;
            // Some starts are killed too, anywhere in them: broker recovery, topic checks, group join, a task's rebuild.
            while (killed < kills && random.nextInt(100) < startKillPercent) {
                process = start(work, ++round);
                if (process.waitFor((long) (random.nextDouble() * lastReadyMs), TimeUnit.MILLISECONDS)) {
                    System.out.printf("round %d: DKV exited by itself during its start; log tail:%n%s%n", round, tail(log(work, round), 40));
                    summary(restarts, startKills, killed, lost, false);
                    return 1;
                }
                process.destroyForcibly().waitFor();
                killed++;
                startKills++;
                killedDuringStart = true;
            }
            long spawned = System.nanoTime();
            process = start(work, ++round);
            if (!awaitReady(process, work, round, spawned)) {
                System.out.printf("round %d: not ready after %d s; log tail:%n%s%n", round, readyTimeoutSeconds, tail(log(work, round), 60));
                System.out.println(openTransactions());
                process.destroyForcibly().waitFor();
                summary(restarts, startKills, killed, lost, false);
                return 1;
            }
            long readyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawned);
            Restart restart = new Restart(round, killedDuringStart, readyMs, phases(log(work, round), spawned),
                    Files.readString(log(work, round), StandardCharsets.UTF_8).contains(HANGING_ENDED));
            restarts.add(restart);
            long lostNow = verify();
            lost += lostNow;
            lastReadyMs = Math.max(2_000, readyMs);
            System.out.printf("kill %2d: ready in %5d ms after a kill %s %s, %d keys checked, %d lost%s%n", killed, readyMs,
                    killedDuringStart ? "during a start" : "under load    ", restart.phases(), acknowledged.size(), lostNow,
                    restart.endedHanging() ? ", a hanging transaction ended" : "");
        }
        runLoad(Duration.ofSeconds(1));
        stopLoad();
        lost += verify();
        process.destroy();
        process.waitFor(60, TimeUnit.SECONDS);
        summary(restarts, startKills, killed, lost, true);
        return lost == 0 ? 0 : 1;
    }

    private Process start(Path work, int round) throws IOException {
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "--data-dir", work.resolve("data").toString(),
                "--port", Integer.toString(port), "--kafka-port", Integer.toString(kafkaPort)));
        command.addAll(dkvArgs);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log(work, round).toFile()).start();
    }

    private static Path log(Path work, int round) {
        return work.resolve("logs").resolve(String.format("round-%03d.log", round));
    }

    private boolean awaitReady(Process process, Path work, int round, long spawned) throws InterruptedException {
        long deadline = spawned + TimeUnit.SECONDS.toNanos(readyTimeoutSeconds);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                System.out.printf("round %d: DKV exited with %d%n", round, process.exitValue());
                return false;
            }
            try {
                if (send(HttpRequest.newBuilder(uri("/ready")).GET()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return false;
    }

    private void createStore() throws IOException, InterruptedException {
        int status = send(HttpRequest.newBuilder(uri("/v1/stores/crash")).PUT(HttpRequest.BodyPublishers.noBody())).statusCode();
        if (status != 201 && status != 200) {
            throw new IllegalStateException("cannot create store crash: " + status);
        }
    }

    private ExecutorService load;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong writeSequence = new AtomicLong();

    /** Starts the writers and returns after {@code length}; they keep writing until {@link #stopLoad}. */
    private void runLoad(Duration length) throws InterruptedException {
        stopping.set(false);
        load = Executors.newFixedThreadPool(writers);
        for (int w = 0; w < writers; w++) {
            int writer = w;
            load.submit(() -> write(writer));
        }
        Thread.sleep(length.toMillis());
    }

    private void write(int writer) {
        Random random = new Random(seed * 31 + writer + writeSequence.get());
        while (!stopping.get()) {
            String key = "w" + writer + "-" + random.nextInt(keysPerWriter);
            long sequence = writeSequence.incrementAndGet();
            String value = key + "@" + sequence;
            inFlight.put(key, value);
            try {
                HttpResponse<String> put = send(HttpRequest.newBuilder(uri("/v1/stores/crash/kv/" + key))
                        .header("DKV-Request-Id", "crash-" + sequence)
                        .PUT(HttpRequest.BodyPublishers.ofString(value)));
                if (put.statusCode() == 200 || put.statusCode() == 201) {
                    acknowledged.put(key, value);
                    acknowledgedWrites.incrementAndGet();
                    inFlight.remove(key);
                } else if (put.statusCode() < 500) {
                    throw new IllegalStateException("put " + key + " answered " + put.statusCode() + " " + put.body());
                }
            } catch (IOException e) {
                // The process died (or is dying): this write stays in flight, and the writer ends.
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void stopLoad() throws InterruptedException {
        if (load == null) {
            return;
        }
        stopping.set(true);
        load.shutdown();
        if (!load.awaitTermination(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("writers did not stop");
        }
        load = null;
    }

    /**
     * Lists the store and checks every key written so far; afterwards the in-flight writes are
     * settled (a key's value is now what it is, acknowledged or not).
     *
     * @return the keys whose acknowledged write is missing or replaced by a value never written
     */
    private long verify() throws IOException, InterruptedException {
        Map<String, String> stored = new HashMap<>();
        String cursor = null;
        do {
            String query = "/v1/stores/crash/kv?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor);
            HttpResponse<String> page = send(HttpRequest.newBuilder(uri(query)).GET());
            if (page.statusCode() != 200) {
                throw new IllegalStateException("list answered " + page.statusCode() + " " + page.body());
            }
            JsonObject body = new JsonObject(page.body());
            JsonArray items = body.getJsonArray("items");
            for (int i = 0; i < items.size(); i++) {
                stored.put(items.getJsonObject(i).getString("key"), items.getJsonObject(i).getString("value"));
            }
            cursor = body.getBoolean("more") ? body.getString("cursor") : null;
        } while (cursor != null);
        long lost = 0;
        for (Map.Entry<String, String> write : acknowledged.entrySet()) {
            String value = stored.get(write.getKey());
            String pending = inFlight.get(write.getKey());
            if (!write.getValue().equals(value) && !(pending != null && pending.equals(value))) {
                lost++;
                if (lost <= 10) {
                    System.out.printf("  LOST %s: acknowledged %s, in flight %s, stored %s%n", write.getKey(), write.getValue(), pending, value);
                }
            }
        }
        for (Map.Entry<String, String> pending : inFlight.entrySet()) {
            String value = stored.get(pending.getKey());
            if (pending.getValue().equals(value)) {
                acknowledged.put(pending.getKey(), value);
            }
        }
        inFlight.clear();
        return lost;
    }

    /** Milliseconds from the spawn to each phase's first log line of this round. */
    private static Map<String, Long> phases(Path log, long spawnedNanos) throws IOException {
        LocalTime spawned = LocalTime.now().minusNanos(System.nanoTime() - spawnedNanos);
        Map<String, Long> phases = new LinkedHashMap<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher time = LOG_TIME.matcher(line);
            if (!time.find()) {
                continue;
            }
            for (String phase : PHASES) {
                if (line.contains(phase) && !phases.containsKey(phase)) {
                    phases.put(phase, Duration.between(spawned, LocalTime.parse(time.group(1), HMS)).toMillis());
                }
            }
        }
        return phases;
    }

    private void summary(List<Restart> restarts, int startKills, int rounds, long lost, boolean completed) {
        List<Long> ready = new ArrayList<>(restarts.stream().map(Restart::readyMs).toList());
        Collections.sort(ready);
        System.out.println();
        System.out.println("| kills | of them during a start | acknowledged writes | lost | restart-to-ready p50 | p99 | max | hanging transactions ended | all ready |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        System.out.printf("| %d | %d | %d | %d | %s | %s | %s | %d | %s |%n", rounds, startKills, acknowledgedWrites.get(), lost,
                percentile(ready, 0.50), percentile(ready, 0.99), ready.isEmpty() ? "-" : ready.get(ready.size() - 1) + " ms",
                restarts.stream().filter(Restart::endedHanging).count(), completed ? "yes" : "no");
        Map<String, List<Long>> byPhase = new LinkedHashMap<>();
        for (Restart r : restarts) {
            r.phases().forEach((phase, ms) -> byPhase.computeIfAbsent(phase, p -> new ArrayList<>()).add(ms));
        }
        System.out.println();
        System.out.println("median ms from spawn to: " + byPhase.entrySet().stream().map(e -> {
            List<Long> values = new ArrayList<>(e.getValue());
            Collections.sort(values);
            return e.getKey() + " " + percentile(values, 0.5);
        }).toList());
    }

    private static String percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return "-";
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) + " ms";
    }

    /**
     * What the broker of a DKV that does not become ready says about open transactions: a restart
     * that waits on committed offsets or on a partition's stable offset waits on one of them.
     */
    private String openTransactions() {
        StringBuilder report = new StringBuilder("open transactions on the embedded broker:\n");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + kafkaPort,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000))) {
            List<String> ids = new ArrayList<>();
            for (TransactionListing listing : admin.listTransactions().all().get()) {
                ids.add(listing.transactionalId());
            }
            if (!ids.isEmpty()) {
                admin.describeTransactions(ids).all().get().forEach((id, state) ->
                        report.append("  coordinator: ").append(id).append(' ').append(state).append('\n'));
            }
            List<TopicPartition> partitions = new ArrayList<>();
            Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
            admin.describeTopics(topics).allTopicNames().get().forEach((topic, description) ->
                    description.partitions().forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
            admin.describeProducers(partitions).all().get().forEach((partition, producers) ->
                    producers.activeProducers().stream().filter(p -> p.currentTransactionStartOffset().isPresent())
                            .forEach(p -> report.append("  open on ").append(partition).append(": ").append(p).append('\n')));
        } catch (Exception e) {
            report.append("  (cannot ask the broker: ").append(e).append(")\n");
        }
        return report.toString();
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
