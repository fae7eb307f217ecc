package io.dkv.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The codecs most applications need. Each is thread-safe. */
public final class Codecs {
    private static final Codec<byte[]> BYTES = Codec.of(b -> b, b -> b);
    private static final Codec<String> STRING = Codec.of(s -> s.getBytes(StandardCharsets.UTF_8),
            b -> new String(b, StandardCharsets.UTF_8));
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Codecs() {
    }

    /** Values as they are. */
    public static Codec<byte[]> bytes() {
        return BYTES;
    }

    /** Values as UTF-8 text. */
    public static Codec<String> string() {
        return STRING;
    }

    /**
     * Values as JSON objects of {@code type} (records, beans, collections), through the client's own
     * Jackson: Jackson's annotations on {@code type} are honoured, unknown properties are ignored. For
     * an application's configured {@code ObjectMapper} (modules, naming strategies) use
     * {@code Codec.of(mapper::writeValueAsBytes, bytes -> mapper.readValue(bytes, type))}.
     *
     * @throws UncheckedIOException from encode or decode when a value does not map
     */
    public static <T> Codec<T> json(Class<T> type) {
        return Codec.of(value -> {
            try {
                return MAPPER.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, bytes -> {
            try {
                return MAPPER.readValue(bytes, type);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
