package io.dkv.gateway.tls;

import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The HTTP server's TLS: a PEM certificate chain and key ({@code --tls-cert-file}, {@code --tls-key-file}),
 * HTTP/2 and HTTP/1.1 offered by ALPN, and optionally client certificates signed by
 * {@code --tls-client-ca-file} (requested, not required: a client may authenticate with a bearer
 * token instead). {@link #reloadIfChanged} rereads the certificate and key, so a renewed certificate
 * (cert-manager, certbot) is served to new connections without a restart; open connections keep the
 * one they started with. Handshakes and record encryption run in BoringSSL (netty-tcnative) where
 * its native library loads, else in the JDK's engine ({@link #engine}). Thread-safe.
 */
public final class ServerTls {
    private final Path certFile;
    private final Path keyFile;
    private final Path clientCaFile;
    private byte[] cert;
    private byte[] key;

    /** @param clientCaFile null for no client certificates */
    public ServerTls(Path certFile, Path keyFile, Path clientCaFile) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.clientCaFile = clientCaFile;
    }

    /**
     * Makes {@code options} serve HTTPS only, with the files as they are now.
     *
     * @throws IllegalArgumentException naming a file that cannot be read
     */
    public synchronized HttpServerOptions apply(HttpServerOptions options) {
        cert = read(certFile, "--tls-cert-file");
        key = read(keyFile, "--tls-key-file");
        options.setSsl(true).setUseAlpn(true).setKeyCertOptions(keyCert(cert, key));
        if (OpenSSLEngineOptions.isAvailable()) {
            options.setSslEngineOptions(new OpenSSLEngineOptions());
        }
        if (clientCaFile != null) {
            options.setClientAuth(ClientAuth.REQUEST)
                    .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(read(clientCaFile, "--tls-client-ca-file"))));
        }
        return options;
    }

    /**
     * Rereads the certificate and key. Blocks on the disk.
     *
     * @return what to update the servers with when either changed, else null
     * @throws IllegalArgumentException when a file cannot be read (the servers keep the old pair)
     */
    public synchronized ServerSSLOptions reloadIfChanged() {
        byte[] newCert = read(certFile, "--tls-cert-file");
        byte[] newKey = read(keyFile, "--tls-key-file");
        if (Arrays.equals(newCert, cert) && Arrays.equals(newKey, key)) {
            return null;
        }
        cert = newCert;
        key = newKey;
        ServerSSLOptions ssl = new ServerSSLOptions().setKeyCertOptions(keyCert(cert, key)).setUseAlpn(true)
                .setApplicationLayerProtocols(List.of("h2", "http/1.1"));
        if (clientCaFile != null) {
            ssl.setClientAuth(ClientAuth.REQUEST)
                    .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(read(clientCaFile, "--tls-client-ca-file"))));
        }
        return ssl;
    }

    /** Which TLS implementation serves: "OpenSSL (BoringSSL)" or "JDK". */
    public static String engine() {
        return OpenSSLEngineOptions.isAvailable() ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }

    public Path certFile() {
        return certFile;
    }

    private static PemKeyCertOptions keyCert(byte[] cert, byte[] key) {
        return new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key));
    }

    private static byte[] read(Path file, String flag) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " (" + flag + "): " + e);
        }
    }
}
