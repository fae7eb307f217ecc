package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dkv.server.DkvConfig;
import io.dkv.server.DkvServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What reaches a DKV without authentication: by default only this machine (a connection to another
 * address of the machine is refused); with {@code --insecure} every interface, with a warning. And
 * the limits against abuse: connections per address and requests per second, answered 429 with a
 * code.
 */
class ExposureTest {
    private static final int MAX_CONNECTIONS = 3;
    private static final int MAX_RATE = 50;
    private static DkvServer open;
    private static final List<ILoggingEvent> STARTUP = new ArrayList<>();

    @BeforeAll
    static void startInsecure() {
        Logger log = (Logger) LoggerFactory.getLogger(DkvServer.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        DkvConfig config = TestDkv.config();
        config.host = "0.0.0.0";
        config.insecure = true;
        config.maxConnectionsPerAddress = MAX_CONNECTIONS;
        config.maxRequestsPerSecond = MAX_RATE;
        try {
            open = TestDkv.start(config);
        } finally {
            log.detachAppender(lines);
        }
        STARTUP.addAll(lines.list);
    }

    @AfterAll
    static void stop() {
        open.close();
    }

    @Test
    void byDefaultOnlyThisMachineConnectsAndInsecureServesEveryInterfaceWithAWarning() throws IOException {
        InetAddress external = nonLoopbackAddress();
        Assumptions.assumeTrue(external != null, "this machine has no address but loopback");
        int defaultPort = SharedDkv.port();
        assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress(external, defaultPort), 5000))
                .as("the default DKV listens on 127.0.0.1 only").isInstanceOf(ConnectException.class);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(external, open.port()), 5000);
            assertThat(request(socket, "/health")).startsWith("HTTP/1.1 200");
        }
        assertThat(STARTUP).anySatisfy(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.WARN);
            assertThat(line.getFormattedMessage()).contains("without authentication (--insecure)");
        });
    }

    @Test
    void requestsOverTheRateAreAnswered429UntilTheNextSecond() {
        DkvHttp http = new DkvHttp(open.port());
        List<DkvHttp.Response> refused = new ArrayList<>();
        for (int i = 0; i < 4 * MAX_RATE && refused.isEmpty(); i++) {
            DkvHttp.Response response = http.get("/v1/stores");
            if (response.status() == 429) {
                refused.add(response);
            }
        }
        assertThat(refused).as("a request over " + MAX_RATE + "/s").isNotEmpty();
        assertThat(refused.get(0).code()).isEqualTo("TOO_MANY_REQUESTS");
        assertThat(refused.get(0).header("Retry-After")).isEqualTo("1");
        await().atMost(Duration.ofSeconds(5)).until(() -> http.get("/v1/stores").status() == 200);
    }

    @Test
    void keepAliveFramesCountAgainstTheRate() throws Exception {
        DkvHttp http = new DkvHttp(open.port());
        await().atMost(Duration.ofSeconds(5)).until(() -> http.put("/v1/stores/rate", "").status() < 300);
        DkvHttp.Response granted = await().atMost(Duration.ofSeconds(5))
                .until(() -> http.post("/v1/stores/rate/leases", "{\"ttlMs\": 60000}"), response -> response.status() == 201);
        String lease = granted.json().getString("id");
        Vertx vertx = Vertx.vertx();
        try {
            BlockingQueue<JsonObject> answers = new LinkedBlockingQueue<>();
            WebSocket ws = vertx.createWebSocketClient().connect(open.port(), "localhost", "/v1/stores/rate/leases/keepalive")
                    .await(10, TimeUnit.SECONDS);
            ws.textMessageHandler(text -> answers.add(new JsonObject(text)));
            for (int i = 0; i < 4 * MAX_RATE; i++) {
                ws.writeTextMessage(new JsonObject().put("id", lease).encode());
            }
            List<String> codes = new ArrayList<>();
            for (int i = 0; i < 4 * MAX_RATE; i++) {
                JsonObject answer = answers.poll(10, TimeUnit.SECONDS);
                assertThat(answer).as("an answer to every frame").isNotNull();
                assertThat(answer.getString("id")).isEqualTo(lease);
                codes.add(answer.getString("type").equals("refreshed") ? "refreshed" : answer.getString("code"));
            }
            assertThat(codes).as("frames over " + MAX_RATE + "/s").contains("TOO_MANY_REQUESTS").containsOnly("refreshed", "TOO_MANY_REQUESTS");
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                ws.writeTextMessage(new JsonObject().put("id", lease).encode());
                return "refreshed".equals(answers.poll(10, TimeUnit.SECONDS).getString("type"));
            });
            ws.close().await(10, TimeUnit.SECONDS);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aConnectionOverTheAddressLimitIsAnswered429AndClosed() throws IOException {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                Socket socket = new Socket("127.0.0.1", open.port());
                held.add(socket);
                assertThat(request(socket, "/health")).startsWith("HTTP/1.1 200");
            }
            try (Socket extra = new Socket("127.0.0.1", open.port())) {
                String response = request(extra, "/health");
                assertThat(response).startsWith("HTTP/1.1 429").contains("TOO_MANY_CONNECTIONS");
                assertThat(extra.getInputStream().read()).as("closed after the answer").isEqualTo(-1);
            }
            held.remove(0).close();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                try (Socket again = new Socket("127.0.0.1", open.port())) {
                    return request(again, "/health").startsWith("HTTP/1.1 200");
                }
            });
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    /** Sends a keep-alive GET on {@code socket} and reads its whole response (headers and a Content-Length body). */
    private static String request(Socket socket, String path) throws IOException {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new UncheckedIOException(new IOException("closed before the headers ended: " + head));
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static InetAddress nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        return address;
                    }
                }
            }
        }
        return null;
    }
}
