package io.dkv.server;

import io.dkv.gateway.auth.internals.TokenHash;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/dkv token}: makes a bearer token and prints it with the hash the access file keeps, so
 * the secret itself is never stored on the DKV side.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Print a new random bearer token, and the entry of the access file (--access-file) that accepts it.")
final class TokenCommand implements Callable<Integer> {
    @Option(names = "--principal", description = "Name of the principal the token is for (default: ${DEFAULT-VALUE}).", defaultValue = "client")
    String principal;

    @Option(names = "--role", description = "A role of the principal in the printed entry (repeatable).")
    List<String> roles = List.of();

    @Override
    public Integer call() {
        String token = TokenHash.newToken();
        JsonObject entry = new JsonObject().put(principal, new JsonObject()
                .put("tokens", new JsonArray().add(TokenHash.stored(token))).put("roles", new JsonArray(roles)));
        System.out.println("token (give it to the client, as Authorization: Bearer <token>; DKV keeps only its hash):");
        System.out.println("  " + token);
        System.out.println("entry for \"principals\" in the access file:");
        System.out.println("  " + entry.encode().substring(1, entry.encode().length() - 1));
        return 0;
    }
}
