package io.dkv.connect.redis.internals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a DKV key to a Redis key by a template such as {@code ${store}:${key}}. The result is bytes:
 * the literal text and the store and topic names in UTF-8, the DKV key exactly as written (keys are
 * opaque bytes, and so are Redis keys). Immutable and thread-safe.
 */
public final class KeyTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

    private enum Part { LITERAL, KEY, STORE, TOPIC }

    private record Segment(Part part, byte[] literal) {
    }

    private final List<Segment> segments;
    private final boolean usesStore;

    private KeyTemplate(List<Segment> segments) {
        this.segments = List.copyOf(segments);
        this.usesStore = segments.stream().anyMatch(s -> s.part() == Part.STORE);
    }

    /** @throws IllegalArgumentException if the template has no {@code ${key}} or an unknown placeholder */
    public static KeyTemplate parse(String template) {
        if (template == null) {
            throw new IllegalArgumentException("a template is required, for example ${store}:${key}");
        }
        List<Segment> segments = new ArrayList<>();
        Matcher matcher = PLACEHOLDER.matcher(template);
        int at = 0;
        boolean hasKey = false;
        while (matcher.find()) {
            if (matcher.start() > at) {
                segments.add(literal(template.substring(at, matcher.start())));
            }
            Part part = switch (matcher.group(1)) {
                case "key" -> Part.KEY;
                case "store" -> Part.STORE;
                case "topic" -> Part.TOPIC;
                default -> throw new IllegalArgumentException("unknown placeholder ${" + matcher.group(1)
                        + "}; the template may use ${key}, ${store} and ${topic}");
            };
            hasKey |= part == Part.KEY;
            segments.add(new Segment(part, null));
            at = matcher.end();
        }
        if (at < template.length()) {
            segments.add(literal(template.substring(at)));
        }
        if (!hasKey) {
            throw new IllegalArgumentException("the template must contain ${key}, or every DKV key would map to"
                    + " the same Redis key");
        }
        return new KeyTemplate(segments);
    }

    private static Segment literal(String text) {
        return new Segment(Part.LITERAL, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the template needs the store's name. */
    public boolean usesStore() {
        return usesStore;
    }

    /** The Redis key; {@code store} may be null only if {@link #usesStore()} is false. */
    public byte[] render(String store, String topic, byte[] key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(key.length + 32);
        for (Segment segment : segments) {
            switch (segment.part()) {
                case LITERAL -> out.writeBytes(segment.literal());
                case KEY -> out.writeBytes(key);
                case STORE -> out.writeBytes(store.getBytes(StandardCharsets.UTF_8));
                case TOPIC -> out.writeBytes(topic.getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
