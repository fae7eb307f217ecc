package io.dkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The HTTPS API: HTTP/2 and HTTP/1.1 by ALPN, plain HTTP refused cleanly on the TLS port, and a
 * renewed certificate served to new connections without restart. Certificates are made by the test.
 */
class TlsTest {

    @Test
    void servesHttp2ByAlpnAndHttp11() throws Exception {
        for (HttpClient.Version version : new HttpClient.Version[] {HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1}) {
            HttpResponse<String> response = SecuredDkv.client(false, version).send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + SecuredDkv.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.version()).isEqualTo(version);
        }
    }

    @Test
    void plainHttpOnTheTlsPortIsRefusedAtOnce() {
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + SecuredDkv.port() + "/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                .as("the server closes the connection rather than answer or hang").isInstanceOf(IOException.class)
                .hasMessageNotContaining("timed out");
    }

    @Test
    void aRenewedCertificateIsServedToNewConnections() {
        BigInteger before = servedSerial();
        TestCertificates.Issued renewed = SecuredDkv.authority().issue(SecuredDkv.SERVER_SUBJECT, "server");
        assertThat(renewed.certificate().getSerialNumber()).isNotEqualTo(before);
        await().atMost(Duration.ofSeconds(10)).until(() -> servedSerial().equals(renewed.certificate().getSerialNumber()));
    }

    /** The serial of the certificate the server presents to a new connection. */
    private static BigInteger servedSerial() {
        try {
            HttpResponse<String> response = SecuredDkv.client(false, HttpClient.Version.HTTP_1_1).send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + SecuredDkv.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            return ((X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
