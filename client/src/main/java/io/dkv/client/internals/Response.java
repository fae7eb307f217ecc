package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import io.dkv.client.DkvException;
import java.util.List;
import java.util.Map;

/** One HTTP answer from a gateway, its body read in full. */
public final class Response {
    private final int status;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private JsonNode json;

    /** @param headers case-insensitive by name */
    Response(int status, Map<String, List<String>> headers, byte[] body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public byte[] body() {
        return body;
    }

    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null ? null : values.get(0);
    }

    public long longHeader(String name) {
        String value = header(name);
        return value == null ? 0 : Long.parseLong(value.trim());
    }

    /** The body as JSON (an empty object when it is not JSON). Not thread-safe; a response has one reader. */
    public JsonNode json() {
        if (json == null) {
            json = Json.parse(body);
        }
        return json;
    }

    /** The error code of a JSON error body, or null. */
    public String code() {
        return status >= 400 ? Json.string(json(), "code") : null;
    }

    /** Whether this is the error {@code code} with HTTP {@code status}. */
    public boolean is(int status, String code) {
        return this.status == status && code.equals(code());
    }

    /** This answer as the exception for an outcome the caller does not expect. */
    public DkvException failure() {
        String code = code() == null ? "HTTP_" + status : code();
        String message = Json.string(json(), "message");
        message = code + " (HTTP " + status + ")" + (message == null ? "" : ": " + message);
        if (status == 503 || status == 502) {
            return new DkvException.Unavailable(code, status, message, null);
        }
        if (status == 504) {
            return new DkvException.Timeout(message, null);
        }
        if (status >= 400 && status < 500) {
            return new DkvException.Rejected(code, status, message);
        }
        return new DkvException(code, status, message, null);
    }
}
