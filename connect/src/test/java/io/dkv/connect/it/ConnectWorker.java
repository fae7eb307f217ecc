package io.dkv.connect.it;

import static org.awaitility.Awaitility.await;

import io.dkv.it.SharedKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * A real Kafka Connect worker (standalone mode, {@code ConnectStandalone}) in a child JVM on the
 * shared broker, so a test can SIGKILL it. Its {@code plugin.path} holds the packaged DKV plugin and
 * Kafka's file connector; the DKV classes are left off its classpath, so the plugin is loaded the way
 * an operator installs it (and found by {@code plugin.discovery=service_load}, which needs the
 * plugin's {@code META-INF/services} entries). Connectors are created through its REST API.
 */
public final class ConnectWorker implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Path dir;
    private final int port;
    private Process process;

    private ConnectWorker(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static ConnectWorker start() {
        try {
            ConnectWorker worker = new ConnectWorker(Files.createTempDirectory("dkv-connect"), RedisServer.freePort());
            worker.startAgain();
            return worker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the worker process (again) and waits until its REST API answers. */
    public void startAgain() throws IOException {
        Properties worker = new Properties();
        worker.putAll(Map.of(
                "bootstrap.servers", SharedKafka.bootstrapServers(),
                "key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter",
                "value.converter", "io.dkv.connect.converter.ChangeEventConverter",
                "offset.storage.file.filename", dir.resolve("offsets").toString(),
                "offset.flush.interval.ms", "500",
                "plugin.path", System.getProperty("dkv.plugin.jar") + "," + System.getProperty("dkv.plugin.path.extra"),
                "plugin.discovery", "service_load",
                "listeners", "http://127.0.0.1:" + port));
        Path workerFile = dir.resolve("worker.properties");
        try (Writer out = Files.newBufferedWriter(workerFile)) {
            worker.store(out, null);
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-cp", workerClasspath(), "org.apache.kafka.connect.cli.ConnectStandalone", workerFile.toString()));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log())).start();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Connect worker exited; see " + log());
            }
            return request("GET", "/connectors", null).statusCode() == 200;
        });
    }

    /** The test's classpath without this module's own classes: the plugin comes from plugin.path. */
    private static String workerClasspath() {
        String target = new File(System.getProperty("dkv.classes.dir")).getParent();
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.startsWith(target) || entry.endsWith("test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    public File log() {
        return dir.resolve("connect.log").toFile();
    }

    /** Creates (or reconfigures) a connector and waits until it and all its tasks run. */
    public void createConnector(String name, Map<String, String> config) {
        JsonObject body = new JsonObject();
        config.forEach(body::put);
        body.put("name", name);
        HttpResponse<String> response = request("PUT", "/connectors/" + name + "/config", body.encode());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("creating connector " + name + ": " + response.statusCode() + " " + response.body());
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> running(name));
    }

    public void deleteConnector(String name) {
        request("DELETE", "/connectors/" + name, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> request("GET", "/connectors/" + name, null).statusCode() == 404);
    }

    public void pause(String name) {
        request("PUT", "/connectors/" + name + "/pause", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> "PAUSED".equals(status(name).getJsonObject("connector").getString("state")));
    }

    public void resume(String name) {
        request("PUT", "/connectors/" + name + "/resume", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> running(name));
    }

    /** Validates a connector configuration: the errors by option name (only options with errors). */
    public Map<String, List<String>> validate(String connectorClass, Map<String, String> config) {
        JsonObject body = new JsonObject();
        config.forEach(body::put);
        body.put("connector.class", connectorClass);
        String simpleName = connectorClass.substring(connectorClass.lastIndexOf('.') + 1);
        JsonObject result = new JsonObject(request("PUT", "/connector-plugins/" + simpleName + "/config/validate",
                body.encode()).body());
        return result.getJsonArray("configs").stream().map(JsonObject.class::cast)
                .map(c -> c.getJsonObject("value"))
                .filter(v -> !v.getJsonArray("errors").isEmpty())
                .collect(Collectors.toMap(v -> v.getString("name"),
                        v -> v.getJsonArray("errors").stream().map(Object::toString).toList()));
    }

    /** The connector plugins the worker found, by class name. */
    public List<String> plugins() {
        JsonArray plugins = new JsonArray(request("GET", "/connector-plugins?connectorsOnly=false", null).body());
        return plugins.stream().map(JsonObject.class::cast).map(p -> p.getString("class")).toList();
    }

    private boolean running(String name) {
        JsonObject status = status(name);
        if (status == null || !"RUNNING".equals(status.getJsonObject("connector").getString("state"))) {
            return false;
        }
        JsonArray tasks = status.getJsonArray("tasks");
        for (Object task : tasks) {
            JsonObject state = (JsonObject) task;
            if ("FAILED".equals(state.getString("state"))) {
                throw new IllegalStateException("task failed: " + state.getString("trace"));
            }
        }
        return !tasks.isEmpty() && tasks.stream().allMatch(t -> "RUNNING".equals(((JsonObject) t).getString("state")));
    }

    public JsonObject status(String name) {
        HttpResponse<String> response = request("GET", "/connectors/" + name + "/status", null);
        return response.statusCode() == 200 ? new JsonObject(response.body()) : null;
    }

    private HttpResponse<String> request(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: the worker commits nothing on the way out. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
