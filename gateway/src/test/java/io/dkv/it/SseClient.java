package io.dkv.it;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real Server-Sent Events client for watch tests: reads messages on its own thread into a queue. */
final class SseClient implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    record Message(String id, String event, JsonObject data) {
        long revision() {
            return data.getLong(data.containsKey("revision") ? "revision" : "modRevision");
        }

        String key() {
            return data.getString("key");
        }
    }

    private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    private final InputStream body;
    private final int status;
    private volatile boolean ended;

    private SseClient(HttpResponse<InputStream> response) {
        this.status = response.statusCode();
        this.body = response.body();
        Thread reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        reader.start();
    }

    static SseClient open(int port, String pathAndQuery, String... headers) {
        return open(CLIENT, "http://localhost:" + port + pathAndQuery, headers);
    }

    /** A stream of {@code url} through {@code client} (its TLS context, for an HTTPS DKV). */
    static SseClient open(HttpClient client, String url, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return new SseClient(client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int status() {
        return status;
    }

    private void read() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (event != null) {
                        messages.add(new Message(id, event, data.length() == 0 ? new JsonObject() : new JsonObject(data.toString())));
                    }
                    id = null;
                    event = null;
                    data.setLength(0);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
        } catch (IOException e) {
            // closed by the test
        } finally {
            ended = true;
        }
    }

    /** The next message, waiting up to the timeout; fails the test if none comes. */
    Message next(Duration timeout) throws InterruptedException {
        Message message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
            throw new AssertionError("no SSE message within " + timeout + (ended ? " (stream ended)" : ""));
        }
        return message;
    }

    /** The next message that is not a progress message, within the timeout overall. */
    Message nextChange(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Message message;
        do {
            message = poll(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (message == null) {
                throw new AssertionError("no change within " + timeout + (ended ? " (stream ended)" : ""));
            }
        } while (message.event().equals("progress"));
        return message;
    }

    /** The next message, or null if none comes within the timeout. */
    Message poll(Duration timeout) throws InterruptedException {
        return messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Messages up to and including the first whose event is {@code event}. */
    List<Message> until(String event, Duration timeout) throws InterruptedException {
        List<Message> out = new ArrayList<>();
        Message message;
        do {
            message = next(timeout);
            out.add(message);
        } while (!message.event().equals(event));
        return out;
    }

    /** Whatever has arrived so far, without waiting. */
    List<Message> drain() {
        List<Message> out = new ArrayList<>();
        messages.drainTo(out);
        return out;
    }

    boolean ended() {
        return ended;
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
