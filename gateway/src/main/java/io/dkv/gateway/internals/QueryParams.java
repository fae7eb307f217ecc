package io.dkv.gateway.internals;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query parameters of one request, parsed strictly from the raw query: every parameter must be
 * one the endpoint knows and may appear once, and values are percent-decoded to bytes, so a key or
 * prefix in the query is as exact as one in the path. A request that breaks these rules changes
 * nothing: parsing happens before the handler acts. Immutable.
 */
public final class QueryParams {
    private final Map<String, byte[]> values;

    private QueryParams(Map<String, byte[]> values) {
        this.values = values;
    }

    /**
     * @param rawQuery the query after '?' as it came on the wire, or null
     * @param allowed the parameters the endpoint takes
     * @throws ApiException UNKNOWN_PARAMETER for a parameter not in {@code allowed}, INVALID_PARAMETER
     *     for a repeated one or a malformed percent-escape
     */
    public static QueryParams parse(String rawQuery, Set<String> allowed) {
        Map<String, byte[]> values = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return new QueryParams(values);
        }
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = new String(decode(eq < 0 ? pair : pair.substring(0, eq), "a parameter name"), StandardCharsets.UTF_8);
            byte[] value = eq < 0 ? new byte[0] : decode(pair.substring(eq + 1), "parameter " + name);
            if (!allowed.contains(name)) {
                throw new ApiException(ErrorCode.UNKNOWN_PARAMETER, "unknown parameter '" + name + "'; this endpoint takes "
                        + (allowed.isEmpty() ? "no parameters" : String.join(", ", new TreeSet<>(allowed))) + " (see /openapi.yaml)");
            }
            if (values.put(name, value) != null) {
                throw new ApiException(ErrorCode.INVALID_PARAMETER, "parameter '" + name + "' is given more than once; give it once");
            }
        }
        return new QueryParams(values);
    }

    private static byte[] decode(String raw, String what) {
        try {
            return PercentDecoder.decode(raw, true);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, what + " is not valid percent-encoding: " + e.getMessage());
        }
    }

    /** The value's bytes, or null if the parameter is absent. */
    public byte[] bytes(String name) {
        return values.get(name);
    }

    /** The value as UTF-8 text, or null if the parameter is absent. */
    public String string(String name) {
        byte[] value = values.get(name);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /**
     * @return {@code absent} when the parameter is missing, else its value
     * @throws ApiException INVALID_PARAMETER unless the value is {@code true} or {@code false}
     */
    public boolean bool(String name, boolean absent) {
        String value = string(name);
        if (value == null) {
            return absent;
        }
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ApiException(ErrorCode.INVALID_PARAMETER, name + " is true or false; got '" + value + "'");
        };
    }

    /**
     * @return {@code absent} when the parameter is missing, else its value
     * @throws ApiException INVALID_PARAMETER unless the value is one of {@code choices}
     */
    public String oneOf(String name, String absent, Set<String> choices) {
        String value = string(name);
        if (value == null) {
            return absent;
        }
        if (!choices.contains(value)) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, name + " is one of " + String.join(", ", new TreeSet<>(choices))
                    + "; got '" + value + "'");
        }
        return value;
    }
}
