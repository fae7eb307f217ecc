package io.dkv.kafka;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Sends one request of Kafka's protocol to one broker over a plaintext connection of its own and
 * returns the response: for the few requests that Kafka's clients do not expose (writing a
 * transaction's markers). The request is built at the version given, which the broker must
 * support. Blocks the calling thread; thread-safe (each call has its own connection).
 */
public final class BrokerRequests {
    private static final String CLIENT_ID = "dkv-broker-requests";

    private BrokerRequests() {
    }

    /**
     * @throws IOException if the broker cannot be reached or does not answer within {@code timeout}
     */
    public static AbstractResponse send(Node broker, AbstractRequest request, Duration timeout) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), CLIENT_ID, 1);
        ByteBuffer payload = request.serializeWithHeader(header);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(broker.host(), broker.port()), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            return AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
        }
    }
}
