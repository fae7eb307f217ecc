package io.dkv.gateway.internals;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * One Server-Sent Events response: its headers, its messages ({@code id}, {@code event}, one JSON
 * {@code data} line) and its end. Writes after the client went away are dropped. Used on the
 * response's context only.
 */
public final class SseStream {
    private final HttpServerResponse response;
    private boolean opened;

    public SseStream(HttpServerResponse response) {
        this.response = response;
    }

    /** Sends the status and headers, and a comment line so that clients see the stream open at once. */
    public void open(String comment) {
        opened = true;
        response.setStatusCode(200).setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        response.write(": " + comment + "\n\n");
    }

    public boolean opened() {
        return opened;
    }

    /** @param id the message's SSE id, or null for none */
    public void send(String id, String event, JsonObject data) {
        if (response.ended() || response.closed()) {
            return;
        }
        StringBuilder message = new StringBuilder(64);
        if (id != null) {
            message.append("id: ").append(id).append('\n');
        }
        message.append("event: ").append(event).append('\n').append("data: ").append(data.encode()).append("\n\n");
        response.write(message.toString());
    }

    public void end() {
        if (!response.ended() && !response.closed()) {
            response.end();
        }
    }

    public boolean writeQueueFull() {
        return response.writeQueueFull();
    }

    public void drainHandler(Runnable onDrain) {
        response.drainHandler(v -> onDrain.run());
    }
}
