package io.dkv.gateway.internals;

import java.io.ByteArrayOutputStream;

/**
 * Percent-decoding of a raw URI component to the bytes it names (RFC 3986, section 2.1), without
 * any charset in between: {@code %ff} is the byte 0xFF, so keys that are not UTF-8 survive. Stateless.
 */
public final class PercentDecoder {
    private PercentDecoder() {
    }

    /**
     * @param raw the component as it came on the wire; the HTTP codec hands request-line bytes over
     *     as chars 0 to 255, so a char below 256 is the byte of that value
     * @param plusIsSpace whether '+' means a space (form encoding of a query), as it does in a query
     *     and does not in a path
     * @throws IllegalArgumentException if a '%' is not followed by two hex digits, naming where
     */
    public static byte[] decode(CharSequence raw, boolean plusIsSpace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int high = i + 1 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0) {
                    throw new IllegalArgumentException("'%' at position " + i + " is not followed by two hex digits");
                }
                out.write(high << 4 | low);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else if (c < 256) {
                out.write(c);
            } else {
                throw new IllegalArgumentException("character U+" + Integer.toHexString(c) + " at position " + i
                        + " must be percent-encoded");
            }
        }
        return out.toByteArray();
    }
}
