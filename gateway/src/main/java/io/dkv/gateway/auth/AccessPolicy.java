package io.dkv.gateway.auth;

import io.dkv.gateway.auth.internals.TokenHash;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may do what: the principals of an access file, the hashes of their bearer tokens, and the
 * grants of their roles. Immutable and thread-safe; a changed file makes a new policy.
 *
 * <pre>{@code
 * {
 *   "principals": {
 *     "alice": {"tokens": ["sha256:<hex of SHA-256 of the token>"], "roles": ["orders-eu"]},
 *     "CN=billing,O=Example": {"roles": ["ops"]}
 *   },
 *   "roles": {
 *     "orders-eu": [{"store": "orders", "prefix": "eu/", "actions": ["read", "write", "watch", "lock"]}],
 *     "ops": [{"store": "*", "actions": ["admin", "lease", "metrics"]}]
 *   }
 * }
 * }</pre>
 *
 * A principal named like an X.500 subject (RFC 2253) is the one a client certificate with that
 * subject authenticates as. A grant's {@code store} is a name, {@code "*"} (every store) or a
 * name prefix ending in {@code *}; its {@code prefix} (UTF-8, or {@code prefixBase64} for bytes)
 * limits key actions to the keys that start with it.
 */
public final class AccessPolicy {
    private static final Set<String> TOP_FIELDS = Set.of("principals", "roles");
    private static final Set<String> PRINCIPAL_FIELDS = Set.of("tokens", "roles");
    private static final Set<String> GRANT_FIELDS = Set.of("store", "prefix", "prefixBase64", "actions");

    private final Map<String, String> principalByTokenHash;
    private final Map<String, List<Grant>> grantsByPrincipal;

    private AccessPolicy(Map<String, String> principalByTokenHash, Map<String, List<Grant>> grantsByPrincipal) {
        this.principalByTokenHash = principalByTokenHash;
        this.grantsByPrincipal = grantsByPrincipal;
    }

    /**
     * Reads an access file's JSON.
     *
     * @throws IllegalArgumentException saying which part is wrong and what it should be
     */
    public static AccessPolicy parse(JsonObject json) {
        fields(json, TOP_FIELDS, "the access file");
        JsonObject roles = object(json, "roles", "the access file");
        Map<String, List<Grant>> grantsByRole = new HashMap<>();
        for (String role : roles.fieldNames()) {
            JsonArray grants = array(roles, role, "roles");
            List<Grant> parsed = new ArrayList<>();
            for (int i = 0; i < grants.size(); i++) {
                if (!(grants.getValue(i) instanceof JsonObject grant)) {
                    throw new IllegalArgumentException("roles." + role + "[" + i + "] must be an object {\"store\", \"prefix\", \"actions\"}");
                }
                parsed.add(grant(grant, "roles." + role + "[" + i + "]"));
            }
            grantsByRole.put(role, List.copyOf(parsed));
        }
        JsonObject principals = object(json, "principals", "the access file");
        Map<String, String> byToken = new HashMap<>();
        Map<String, List<Grant>> byPrincipal = new HashMap<>();
        for (String name : principals.fieldNames()) {
            String where = "principals." + name;
            if (!(principals.getValue(name) instanceof JsonObject principal)) {
                throw new IllegalArgumentException(where + " must be an object {\"tokens\", \"roles\"}");
            }
            fields(principal, PRINCIPAL_FIELDS, where);
            for (String token : strings(principal, "tokens", where)) {
                String hash = TokenHash.parseStored(token, where + ".tokens");
                String other = byToken.put(hash, name);
                if (other != null) {
                    throw new IllegalArgumentException(where + " and principals." + other + " have the same token; give each principal its own");
                }
            }
            List<Grant> grants = new ArrayList<>();
            for (String role : strings(principal, "roles", where)) {
                List<Grant> granted = grantsByRole.get(role);
                if (granted == null) {
                    throw new IllegalArgumentException(where + ".roles names '" + role + "', which is not under \"roles\"");
                }
                grants.addAll(granted);
            }
            byPrincipal.put(name, List.copyOf(grants));
        }
        return new AccessPolicy(Map.copyOf(byToken), Map.copyOf(byPrincipal));
    }

    /** The principal whose token this is, or null. */
    public String principalOfToken(String token) {
        return principalByTokenHash.get(TokenHash.of(token));
    }

    /** What {@code principal} may do; a principal the file does not name may do nothing. */
    public Access access(String principal) {
        return Access.of(principal, grantsByPrincipal.getOrDefault(principal, List.of()));
    }

    private static Grant grant(JsonObject json, String where) {
        fields(json, GRANT_FIELDS, where);
        if (!(json.getValue("store") instanceof String store) || store.isEmpty()) {
            throw new IllegalArgumentException(where + ".store must be a store name, \"*\" or a name prefix ending in *");
        }
        if (store.indexOf('*') >= 0 && store.indexOf('*') != store.length() - 1) {
            throw new IllegalArgumentException(where + ".store may hold one *, at its end; got '" + store + "'");
        }
        byte[] prefix = new byte[0];
        if (json.containsKey("prefix") && json.containsKey("prefixBase64")) {
            throw new IllegalArgumentException(where + " has prefix and prefixBase64; give one");
        }
        if (json.containsKey("prefix")) {
            if (!(json.getValue("prefix") instanceof String text)) {
                throw new IllegalArgumentException(where + ".prefix must be a string");
            }
            prefix = text.getBytes(StandardCharsets.UTF_8);
        } else if (json.containsKey("prefixBase64")) {
            try {
                prefix = Base64.getDecoder().decode(String.valueOf(json.getValue("prefixBase64")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ".prefixBase64 is not base64: " + e.getMessage());
            }
        }
        List<String> names = strings(json, "actions", where);
        if (names.isEmpty()) {
            throw new IllegalArgumentException(where + ".actions is empty; list what the grant allows");
        }
        EnumSet<Action> actions = EnumSet.noneOf(Action.class);
        for (String name : names) {
            try {
                actions.add(Action.fromWire(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ".actions: " + e.getMessage());
            }
        }
        return new Grant(store, prefix, actions);
    }

    private static void fields(JsonObject json, Set<String> allowed, String where) {
        for (String field : json.fieldNames()) {
            if (!allowed.contains(field)) {
                throw new IllegalArgumentException(where + " has an unknown field '" + field + "'; it takes " + String.join(", ", allowed));
            }
        }
    }

    private static JsonObject object(JsonObject json, String field, String where) {
        Object value = json.getValue(field);
        if (value == null) {
            return new JsonObject();
        }
        if (!(value instanceof JsonObject object)) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be an object");
        }
        return object;
    }

    private static JsonArray array(JsonObject json, String field, String where) {
        if (!(json.getValue(field) instanceof JsonArray array)) {
            throw new IllegalArgumentException(where + "." + field + " must be an array");
        }
        return array;
    }

    private static List<String> strings(JsonObject json, String field, String where) {
        Object value = json.getValue(field);
        if (value == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (value instanceof JsonArray array) {
            for (Object item : array) {
                if (!(item instanceof String text)) {
                    throw new IllegalArgumentException(where + "." + field + " must be an array of strings");
                }
                out.add(text);
            }
            return out;
        }
        throw new IllegalArgumentException(where + "." + field + " must be an array of strings");
    }

    /** One permission: {@code actions} on the keys under {@code prefix} of the stores {@code store} names. */
    record Grant(String store, byte[] prefix, EnumSet<Action> actions) {
        boolean coversStore(String name) {
            if (store.endsWith("*")) {
                return name.startsWith(store.substring(0, store.length() - 1));
            }
            return store.equals(name);
        }

        boolean coversBytes(byte[] bytes) {
            return bytes.length >= prefix.length && java.util.Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
        }
    }
}
