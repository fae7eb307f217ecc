package io.dkv.client.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's HTTP/1.1 exchanges against a scripted server on a real socket: each request the server
 * reads is answered by the next scripted answer, which may also close the connection or never answer.
 */
class Http1ConnectionsTest {
    private ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Script> answers = new LinkedBlockingQueue<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private Http1Connections connections;
    private URI gateway;

    /** What the server does with one request: write {@code answer} (null: nothing), then maybe close. */
    private record Script(String answer, boolean closeAfter) {
    }

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0);
        gateway = URI.create("http://localhost:" + server.getLocalPort());
        connections = new Http1Connections(Duration.ofSeconds(2), null);
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    accepted.incrementAndGet();
                    sockets.add(socket);
                    Thread serve = new Thread(() -> serve(socket));
                    serve.setDaemon(true);
                    serve.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterEach
    void stop() throws IOException {
        connections.close();
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            while (true) {
                String request = readRequest(in);
                if (request == null) {
                    return;
                }
                requests.add(request);
                Script script = answers.take();
                if (script.answer() != null) {
                    socket.getOutputStream().write(script.answer().getBytes(StandardCharsets.ISO_8859_1));
                    socket.getOutputStream().flush();
                }
                if (script.closeAfter()) {
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            // the test ended the connection
        }
    }

    /** The request's head and body as text, or null when the client closed the connection. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDKV-Revision: 7\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private Http1Connections.Answer exchange(String method, String target, byte[] body) throws IOException {
        return connections.exchange(gateway, method, target, Map.of("DKV-Request-Id", "r-1"), body, Duration.ofSeconds(5));
    }

    @Test
    void aKeptAliveConnectionCarriesRequestAfterRequestWithTheirHeadersAndBodies() throws IOException {
        answers.add(new Script(ok("{\"a\":1}"), false));
        answers.add(new Script(ok("{\"b\":2}"), false));

        Http1Connections.Answer first = exchange("PUT", "/v1/stores/s/kv/k%2F1?view=raw", "value".getBytes(StandardCharsets.UTF_8));
        Http1Connections.Answer second = exchange("GET", "/v1/stores/s/kv/k", null);

        assertThat(first.status()).isEqualTo(200);
        assertThat(new String(first.body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
        assertThat(first.header("dkv-revision")).isEqualTo("7");
        assertThat(new String(second.body(), StandardCharsets.UTF_8)).isEqualTo("{\"b\":2}");
        assertThat(accepted).hasValue(1);
        assertThat(requests.get(0)).startsWith("PUT /v1/stores/s/kv/k%2F1?view=raw HTTP/1.1\r\n")
                .contains("\r\nHost: localhost:" + gateway.getPort() + "\r\n", "\r\nDKV-Request-Id: r-1\r\n", "\r\nContent-Length: 5\r\n")
                .endsWith("\r\n\r\nvalue");
        assertThat(requests.get(1)).startsWith("GET /v1/stores/s/kv/k HTTP/1.1\r\n").doesNotContain("Content-Length");
    }

    @Test
    void aConnectionTheGatewayClosedWhileIdleIsReplacedWithoutFailingTheRequest() throws IOException {
        answers.add(new Script(ok("{}"), true));
        answers.add(new Script(ok("{\"again\":true}"), false));

        exchange("GET", "/first", null);
        Http1Connections.Answer second = exchange("GET", "/second", null);

        assertThat(new String(second.body(), StandardCharsets.UTF_8)).isEqualTo("{\"again\":true}");
        assertThat(accepted).hasValue(2);
        assertThat(requests).hasSize(2);
    }

    @Test
    void aChunkedBodyIsJoinedAndTheConnectionKeptForTheNextRequest() throws IOException {
        answers.add(new Script("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\nX-Trailer: t\r\n\r\n", false));
        answers.add(new Script("HTTP/1.1 204 No Content\r\n\r\n", false));
        answers.add(new Script(ok("{}"), false));

        assertThat(new String(exchange("GET", "/chunked", null).body(), StandardCharsets.US_ASCII)).isEqualTo("abcdefg");
        assertThat(exchange("DELETE", "/empty", null).body()).isEmpty();
        assertThat(exchange("GET", "/third", null).status()).isEqualTo(200);
        assertThat(accepted).hasValue(1);
    }

    @Test
    void anAnswerSayingConnectionCloseIsNotReused() throws IOException {
        answers.add(new Script("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", false));
        answers.add(new Script("HTTP/1.1 200 OK\r\n\r\nto the end", true));
        answers.add(new Script(ok("{}"), false));

        exchange("GET", "/close", null);
        assertThat(new String(exchange("GET", "/undelimited", null).body(), StandardCharsets.US_ASCII)).isEqualTo("to the end");
        exchange("GET", "/third", null);

        assertThat(accepted).hasValue(3);
    }

    @Test
    void aTargetOrHeaderThatWouldSplitTheRequestIsRefusedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> connections.exchange(gateway, "GET", "/x", Map.of("DKV-Lock", "h\r\nDKV-Evil: 1"), null, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DKV-Lock");
        assertThatThrownBy(() -> connections.exchange(gateway, "GET", "/x", Map.of("Bad Name", "v"), null, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> connections.exchange(gateway, "GET", "/x HTTP/1.0\r\nHost: y", Map.of(), null, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("illegal character");
        assertThatThrownBy(() -> connections.exchange(gateway, "GET", "/bad%zz", Map.of(), null, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(accepted).hasValue(0);
    }

    @Test
    void noAnswerWithinTheTimeoutIsASocketTimeout() {
        answers.add(new Script(null, false));
        long started = System.nanoTime();

        assertThatThrownBy(() -> connections.exchange(gateway, "GET", "/slow", Map.of(), null, Duration.ofMillis(300)))
                .isInstanceOf(SocketTimeoutException.class);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(3));
    }

    @Test
    void closeEndsAnExchangeThatWaitsForItsAnswer() throws Exception {
        answers.add(new Script(null, false));
        CompletableFuture<Object> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return connections.exchange(gateway, "GET", "/held", Map.of(), null, Duration.ofSeconds(30));
            } catch (IOException e) {
                return e;
            }
        });
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> requests.size() == 1);

        connections.close();

        assertThat(waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> exchange("GET", "/after", null)).isInstanceOf(IOException.class);
    }

    @Test
    void aGatewayThatRefusesConnectionsIsAConnectException() throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        List<Throwable> failures = new ArrayList<>();
        try {
            connections.exchange(URI.create("http://localhost:" + port), "GET", "/", Map.of(), null, Duration.ofSeconds(2));
        } catch (IOException e) {
            failures.add(e);
        }
        assertThat(failures).singleElement().isInstanceOf(ConnectException.class);
    }
}
