package io.dkv.it;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small real HTTP client for DKV's API in tests (java.net.http). Thread-safe. */
public final class DkvHttp {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final HttpClient client;

    public DkvHttp(int port) {
        this("http://localhost:" + port, CLIENT);
    }

    /** A client of {@code base} ({@code https://localhost:<port>}) sending through {@code client} (its TLS context). */
    public DkvHttp(String base, HttpClient client) {
        this.base = base;
        this.client = client;
    }

    public String base() {
        return base;
    }

    /**
     * Starts a GET of a streaming response (SSE) and returns its status and the start of its body
     * (all of it, for an error), closing the stream after its first event or the error body.
     */
    public Response openStream(String path, String... headers) {
        try {
            HttpResponse<java.io.InputStream> response = client.send(request(path, headers).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (java.io.InputStream body = response.body()) {
                byte[] start = response.statusCode() == 200 ? body.readNBytes(1) : body.readAllBytes();
                return new Response(response.statusCode(), start, response);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response put(String path, String body, String... headers) {
        return send(request(path, headers).PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Response putBytes(String path, byte[] body, String... headers) {
        return send(request(path, headers).PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    public Response post(String path, String body, String... headers) {
        return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Response get(String path, String... headers) {
        return send(request(path, headers).GET());
    }

    public Response delete(String path, String... headers) {
        return send(request(path, headers).DELETE());
    }

    private HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder;
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends one HTTP/1.1 request exactly as given, over a socket of its own: the request target is
     * not parsed, normalized or re-encoded, so tests can send what a hostile client sends.
     *
     * @return the status and body; the connection is closed after the response
     */
    public RawResponse raw(String method, String target, String body, String... headers) {
        try (Socket socket = new Socket(URI.create(base).getHost(), URI.create(base).getPort())) {
            socket.setSoTimeout(30_000);
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: localhost\r\nConnection: close\r\nContent-Length: ").append(content.length).append("\r\n");
            for (int i = 0; i < headers.length; i += 2) {
                request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headerEnd = response.indexOf("\r\n\r\n");
            int status = Integer.parseInt(response.substring(response.indexOf(' ') + 1, response.indexOf(' ') + 4));
            return new RawResponse(status, response.substring(0, headerEnd), response.substring(headerEnd + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@link #raw} received. */
    public record RawResponse(int status, String headers, String body) {
        public JsonObject json() {
            return new JsonObject(body);
        }

        public String code() {
            return json().getString("code");
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /** A response: status, raw body, and helpers for DKV's JSON and headers. */
    public record Response(int status, byte[] body, HttpResponse<?> raw) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonObject json() {
            return new JsonObject(text());
        }

        public String code() {
            return json().getString("code");
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public long revision() {
            return Long.parseLong(header("DKV-Revision"));
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }
}
