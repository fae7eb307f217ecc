package io.dkv.gateway.auth.internals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Bearer tokens and the form the access file keeps them in: {@code sha256:<64 hex digits>}. A token
 * is 32 random bytes, so an unsalted SHA-256 cannot be reversed by guessing, and one hash per request
 * costs about a microsecond, where a password hash (bcrypt, PBKDF2) would cost a millisecond on
 * every call. Stateless and thread-safe.
 */
public final class TokenHash {
    private static final String SCHEME = "sha256:";
    private static final Pattern STORED = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenHash() {
    }

    /** The hex SHA-256 of the token's UTF-8 bytes. */
    public static String of(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** What the access file holds for {@code token}. */
    public static String stored(String token) {
        return SCHEME + of(token);
    }

    /** A new token: 32 random bytes, URL-safe base64 without padding. */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * The hex hash of a stored {@code sha256:<hex>}.
     *
     * @throws IllegalArgumentException naming {@code where} and saying how to make one
     */
    public static String parseStored(String stored, String where) {
        if (!STORED.matcher(stored).matches()) {
            // The value is not echoed: it may be a token pasted in by mistake.
            throw new IllegalArgumentException(where + " holds a value that is not sha256:<64 lower-case hex digits> (a token's hash,"
                    + " never the token); bin/dkv token prints a new token with its hash");
        }
        return stored.substring(SCHEME.length());
    }
}
