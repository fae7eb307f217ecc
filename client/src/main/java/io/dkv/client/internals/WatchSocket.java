package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One WebSocket to one gateway's {@code /v1/stores/{store}/ws}, carrying many watches and
 * observations, each known by its id. Frames are handed to the handler registered for their id, one at
 * a time in arrival order, on the HTTP client's thread. When the socket ends, every handler hears it
 * once. Thread-safe; sends are queued so at most one is in flight, as the JDK's WebSocket requires.
 */
public final class WatchSocket implements WebSocket.Listener {

    /** Receives the frames of one id. */
    public interface Handler {
        void onFrame(WatchSocket socket, JsonNode frame);

        /** The socket ended; no frame for this id comes after. */
        void onSocketLost(WatchSocket socket);
    }

    private final URI gateway;
    private final ConcurrentHashMap<String, Handler> handlers = new ConcurrentHashMap<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket ws;
    private volatile boolean closed;
    private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);

    private WatchSocket(URI gateway) {
        this.gateway = gateway;
    }

    /** Opens a socket to {@code gateway} for {@code store}, sending {@code authorization} (null for none) in the upgrade. */
    static CompletableFuture<WatchSocket> open(HttpClient http, URI gateway, String store, Duration timeout, String authorization) {
        WatchSocket socket = new WatchSocket(gateway);
        String scheme = "https".equals(gateway.getScheme()) ? "wss" : "ws";
        URI uri = URI.create(scheme + "://" + gateway.getHost() + ":" + gateway.getPort() + "/v1/stores/" + store + "/ws");
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(timeout);
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder.buildAsync(uri, socket).thenApply(ws -> {
            socket.ws = ws;
            return socket;
        });
    }

    public URI gateway() {
        return gateway;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Routes frames of {@code id} to {@code handler}; false when the socket has ended already. */
    public boolean register(String id, Handler handler) {
        handlers.put(id, handler);
        if (closed) {
            handlers.remove(id);
            return false;
        }
        return true;
    }

    public void unregister(String id) {
        handlers.remove(id);
    }

    /** Queues {@code frame}; the future completes when it was handed to the network. */
    public synchronized CompletableFuture<?> send(ObjectNode frame) {
        String text = Json.text(frame);
        sending = sending.handle((v, e) -> null).thenCompose(v -> ws.sendText(text, true));
        return sending;
    }

    /** Closes the socket; its handlers hear {@link Handler#onSocketLost}. */
    public void close() {
        WebSocket socket = ws;
        if (socket != null && !closed) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "client closed").whenComplete((v, e) -> socket.abort());
        }
        lost();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            JsonNode frame = Json.parse(partial.toString());
            partial.setLength(0);
            String id = Json.string(frame, "id");
            Handler handler = id == null ? null : handlers.get(id);
            if (handler != null) {
                handler.onFrame(this, frame);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        lost();
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        lost();
    }

    private void lost() {
        if (closed) {
            return;
        }
        closed = true;
        List<Handler> gone = List.copyOf(handlers.values());
        handlers.clear();
        gone.forEach(h -> h.onSocketLost(this));
    }
}
