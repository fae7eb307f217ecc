package io.dkv.client.internals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** DKV's JSON bodies: parsing, building, and the {@code name} / {@code nameBase64} byte fields. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static byte[] encode(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String text(JsonNode node) {
        return new String(encode(node), StandardCharsets.UTF_8);
    }

    /** Parses a body; a body that is not JSON yields an empty object, so callers see absent fields. */
    public static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return MAPPER.createObjectNode();
        }
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            return MAPPER.createObjectNode();
        }
    }

    public static JsonNode parse(String text) {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes of field {@code name}: its UTF-8 text, or {@code nameBase64} decoded; null when neither is there. */
    public static byte[] bytes(JsonNode node, String name) {
        JsonNode text = node.get(name);
        if (text != null && text.isTextual()) {
            return text.asText().getBytes(StandardCharsets.UTF_8);
        }
        JsonNode base64 = node.get(name + "Base64");
        return base64 != null && base64.isTextual() ? Base64.getDecoder().decode(base64.asText()) : null;
    }

    /** Sets bytes as {@code nameBase64}, which carries any bytes losslessly. */
    public static ObjectNode putBytes(ObjectNode node, String name, byte[] bytes) {
        return node.put(name + "Base64", Base64.getEncoder().encodeToString(bytes));
    }

    public static long number(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? 0 : value.asLong();
    }

    /** A lease id field, which DKV writes as a decimal string; 0 when absent. */
    public static long lease(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? 0 : Long.parseLong(value.asText());
    }

    public static String string(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value.asText();
    }
}
