package io.dkv.gateway.internals;

import io.dkv.gateway.ApiException;
import io.dkv.gateway.ErrorCode;
import io.dkv.gateway.Limits;
import io.dkv.kafka.DkvTopics;
import io.dkv.schemas.KeyValue;
import io.dkv.schemas.LockHandle;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Request parsing and response rendering that every DKV route shares. Stateless. */
public final class Http {
    private static final String STORES_PATH = "/v1/stores/";
    public static final String REVISION_HEADER = "DKV-Revision";
    public static final String MIN_REVISION_HEADER = "DKV-Min-Revision";
    public static final String REQUEST_ID_HEADER = "DKV-Request-Id";
    public static final String LEASE_HEADER = "DKV-Lease";
    public static final String LOCK_HEADER = "DKV-Lock";
    private static final Pattern HANDLE = Pattern.compile("([1-9][0-9]{0,18})\\.([0-9a-f]{16})");
    private static final Set<String> VIEWS = Set.of("json", "raw");

    private Http() {
    }

    /** The {@code :store} path parameter, checked against {@link DkvTopics#STORE_NAME}. */
    public static String store(RoutingContext ctx) {
        String store = ctx.pathParam("store");
        if (store == null || !DkvTopics.STORE_NAME.matcher(store).matches()) {
            throw new ApiException(ErrorCode.INVALID_STORE_NAME,
                    "store names are 1 to 64 letters, digits, '-' or '_'; got '" + store + "'");
        }
        return store;
    }

    /** A non-negative revision from a header, or {@code absent} when the header is missing. */
    public static long revisionHeader(RoutingContext ctx, String header, long absent) {
        String value = ctx.request().getHeader(header);
        if (value == null || value.isBlank()) {
            return absent;
        }
        return parseRevision(value.trim(), header);
    }

    /** Parses {@code 12} or {@code "12"} (an entity tag); throws INVALID_REVISION otherwise. */
    public static long parseRevision(String value, String what) {
        String bare = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
        try {
            long revision = Long.parseLong(bare);
            if (revision < 0) {
                throw new NumberFormatException();
            }
            return revision;
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_REVISION, what + " must be a revision (a non-negative integer, optionally quoted); got '" + value + "'");
        }
    }

    public static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
    }

    public static void revision(HttpServerResponse response, long revision) {
        response.putHeader(REVISION_HEADER, Long.toString(revision));
    }

    public static String etag(long modRevision) {
        return "\"" + modRevision + "\"";
    }

    /** A key with its value and revisions, as the JSON view shows it. */
    public static JsonObject entry(byte[] key, KeyValue entry) {
        JsonObject json = new JsonObject();
        bytes(json, "key", key);
        bytes(json, "value", array(entry.getValue()));
        return json.mergeIn(revisions(entry));
    }

    /** A key's revisions and lease, without its value (what a write answers). */
    public static JsonObject revisions(KeyValue entry) {
        JsonObject json = new JsonObject();
        json.put("createRevision", entry.getCreateRevision())
                .put("modRevision", entry.getModRevision())
                .put("version", entry.getVersion());
        if (entry.getLease() != 0) {
            json.put("lease", Long.toString(entry.getLease()));
        }
        return json;
    }

    /** Puts bytes as {@code name} (UTF-8 text) when they are valid UTF-8, else as {@code nameBase64}. */
    public static void bytes(JsonObject json, String name, byte[] bytes) {
        String text = utf8(bytes);
        if (text != null) {
            json.put(name, text);
        } else {
            json.put(name + "Base64", Base64.getEncoder().encodeToString(bytes));
        }
    }

    /**
     * Reads what {@link #bytes} writes: {@code name} as UTF-8 text or {@code nameBase64} as bytes.
     *
     * @return the bytes, or null when neither field is present
     * @throws ApiException INVALID_REQUEST when both are present, one is not a string, or the base64 is malformed
     */
    public static byte[] bytesField(JsonObject json, String name, String where) {
        Object text = json.getValue(name);
        Object base64 = json.getValue(name + "Base64");
        if (text != null && base64 != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, where + ": give " + name + " or " + name + "Base64, not both");
        }
        if (text == null && base64 == null) {
            return null;
        }
        if (text instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (base64 instanceof String s) {
            try {
                return Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, where + "." + name + "Base64 is not valid base64");
            }
        }
        throw new ApiException(ErrorCode.INVALID_REQUEST, where + "." + (text != null ? name : name + "Base64") + " must be a string");
    }

    /** @return the text, or null if the bytes are not valid UTF-8 */
    public static String utf8(byte[] bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * A lease id as DKV renders it: a positive decimal integer.
     *
     * @throws ApiException INVALID_LEASE otherwise
     */
    public static long parseLease(String value, String what) {
        long id;
        try {
            id = value.chars().allMatch(c -> c >= '0' && c <= '9') ? Long.parseLong(value) : 0;
        } catch (NumberFormatException e) {
            id = 0;
        }
        if (id <= 0) {
            throw new ApiException(ErrorCode.INVALID_LEASE, what + " must be a lease id as DKV returns it (a positive"
                    + " decimal integer); got '" + value + "'");
        }
        return id;
    }

    /** A lock's handle as the API writes it: {@code <fencingToken>.<nonce as 16 hex digits>}. */
    public static String handle(long fencingToken, long nonce) {
        return fencingToken + "." + String.format("%016x", nonce);
    }

    /**
     * A handle DKV returned, as {@link #handle} writes it.
     *
     * @throws ApiException INVALID_HANDLE otherwise
     */
    public static LockHandle parseHandle(String value, String what) {
        Matcher matcher = HANDLE.matcher(value == null ? "" : value.trim());
        if (!matcher.matches()) {
            throw new ApiException(ErrorCode.INVALID_HANDLE, what + " must be a lock handle as DKV returns it"
                    + " (<fencingToken>.<16 hex digits>); got '" + value + "'");
        }
        try {
            return LockHandle.newBuilder().setFencingToken(Long.parseLong(matcher.group(1)))
                    .setNonce(Long.parseUnsignedLong(matcher.group(2), 16)).build();
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_HANDLE, what + " has a fencing token out of range; got '" + value + "'");
        }
    }

    /** The request's DKV-Lock header as a handle, or null when it has none. */
    public static LockHandle lockHeader(RoutingContext ctx) {
        String value = ctx.request().getHeader(LOCK_HEADER);
        return value == null ? null : parseHandle(value, LOCK_HEADER);
    }

    /**
     * The key of a key route: everything after {@code /v1/stores/<store>/<section>/} in the raw path
     * (less {@code suffix}), percent-decoded to bytes ('+' stays '+'). The routes match the raw path
     * too, so "..", ".", "//" and "%2F" are key bytes and never move the request to another endpoint.
     *
     * @throws ApiException INVALID_KEY when empty or not valid percent-encoding, KEY_TOO_LARGE over the limit
     */
    public static byte[] pathKey(RoutingContext ctx, String section, String suffix, Limits limits) {
        String path = ctx.request().path();
        int storeEnd = path.indexOf('/', STORES_PATH.length());
        String raw = path.substring(storeEnd + section.length() + 2, path.length() - suffix.length());
        byte[] key;
        try {
            key = PercentDecoder.decode(raw, false);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_KEY, "the key is not valid percent-encoding: " + e.getMessage());
        }
        if (key.length == 0) {
            throw new ApiException(ErrorCode.INVALID_KEY, "the key is empty; put it after /" + section + "/ in the path");
        }
        if (key.length > limits.maxKeyBytes()) {
            throw new ApiException(ErrorCode.KEY_TOO_LARGE, "keys are limited to " + limits.maxKeyBytes() + " bytes; this one has " + key.length);
        }
        return key;
    }

    /**
     * A body's optional {@code waitMs}: 0 when absent.
     *
     * @param flag the option that sets {@code maxMs}, for the message
     * @throws ApiException INVALID_REQUEST unless an integer from 0 to {@code maxMs}
     */
    public static long waitMs(JsonObject body, long maxMs, String flag) {
        Object wait = body.getValue("waitMs");
        if (wait == null) {
            return 0;
        }
        if (!(wait instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < 0 || n.longValue() > maxMs) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "waitMs must be an integer from 0 to " + maxMs + " (" + flag + ")");
        }
        return n.longValue();
    }

    /**
     * A list request's page size: {@code limit} when given, else the default page size.
     *
     * @throws ApiException INVALID_REQUEST when not a positive integer, REQUEST_TOO_LARGE over the largest page
     */
    public static int pageSize(String param, Limits limits) {
        if (param == null) {
            return limits.defaultPageSize();
        }
        int size;
        try {
            size = Integer.parseInt(param);
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "limit must be a positive integer; got '" + param + "'");
        }
        if (size < 1) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "limit must be a positive integer; got '" + param + "'");
        }
        if (size > limits.maxPageSize()) {
            throw new ApiException(ErrorCode.REQUEST_TOO_LARGE, "limit is at most " + limits.maxPageSize() + "; got " + size);
        }
        return size;
    }

    public static byte[] array(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    /**
     * The request's body as a JSON object with only the fields an endpoint takes.
     *
     * @param shape what the body looks like, for the error messages
     * @throws ApiException INVALID_JSON when the body is absent, malformed or not an object;
     *     INVALID_REQUEST when it has a field outside {@code fields}
     */
    public static JsonObject jsonBody(RoutingContext ctx, Set<String> fields, String shape) {
        JsonObject json;
        try {
            json = ctx.body().buffer() == null || ctx.body().length() == 0 ? null : new JsonObject(ctx.body().buffer());
        } catch (DecodeException | ClassCastException e) {
            throw new ApiException(ErrorCode.INVALID_JSON, "the body is not a JSON object: " + e.getMessage());
        }
        if (json == null) {
            throw new ApiException(ErrorCode.INVALID_JSON, "the body must be a JSON object: " + shape);
        }
        for (String field : json.fieldNames()) {
            if (!fields.contains(field)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "unknown field '" + field + "'; " + shape);
            }
        }
        return json;
    }

    /**
     * The request's query parameters, checked against what the endpoint takes.
     *
     * @throws ApiException UNKNOWN_PARAMETER or INVALID_PARAMETER (see {@link QueryParams#parse})
     */
    public static QueryParams query(RoutingContext ctx, String... allowed) {
        return QueryParams.parse(ctx.request().query(), Set.of(allowed));
    }

    /**
     * Whether the client asked for the JSON view of a value rather than its raw bytes: {@code ?view=json}
     * or {@code raw} decides; without it, an Accept header naming JSON and not octet-stream.
     *
     * @throws ApiException INVALID_PARAMETER for another view
     */
    public static boolean wantsJson(RoutingContext ctx, QueryParams query) {
        String view = query.oneOf("view", null, VIEWS);
        if (view != null) {
            return view.equals("json");
        }
        String accept = ctx.request().getHeader("Accept");
        return accept != null && accept.contains("application/json") && !accept.contains("application/octet-stream");
    }
}
