package io.dkv.gateway.auth.internals;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds the verifier of JWT bearer tokens from a PEM public key (Vert.x's JWT auth does the checking). */
public final class JwtKeys {
    private JwtKeys() {
    }

    /**
     * @param issuer the required {@code iss}, or null for any
     * @param audience the required {@code aud}, or null for any
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no usable key
     */
    public static JWTAuth verifier(Vertx vertx, Path keyFile, String algorithm, String issuer, String audience) {
        String pem;
        try {
            pem = Files.readString(keyFile);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + keyFile + " (--jwt-key-file): " + e);
        }
        JWTOptions jwtOptions = new JWTOptions();
        if (issuer != null) {
            jwtOptions.setIssuer(issuer);
        }
        if (audience != null) {
            jwtOptions.setAudience(List.of(audience));
        }
        try {
            return JWTAuth.create(vertx, new JWTAuthOptions().setJWTOptions(jwtOptions)
                    .addPubSecKey(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(Buffer.buffer(pem))));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--jwt-key-file " + keyFile + " holds no " + algorithm + " public key in PEM form (--jwt-algorithm): "
                    + e.getMessage());
        }
    }
}
