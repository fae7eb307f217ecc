package io.dkv.client.internals;

import java.nio.charset.StandardCharsets;

/**
 * Percent-encodes keys for paths and query strings. Every byte but an unreserved ASCII letter, digit,
 * {@code -}, {@code _} or {@code ~} is escaped, so a key's {@code /}, {@code .} and {@code +} reach
 * DKV as key bytes whatever a proxy does to paths.
 */
public final class PathEncoding {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PathEncoding() {
    }

    public static String encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String encode(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }
}
