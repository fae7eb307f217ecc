package io.dkv.client.internals;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Unary HTTP/1.1 exchanges with the gateways over kept-alive blocking sockets, pooled per gateway and
 * used by one exchange at a time, on the thread that asks. A request costs one write and the reads of
 * its answer: no selector thread and no executor hand-off, which is what the JDK's {@code HttpClient}
 * spends most of a small request on. TLS uses the given {@link SSLContext} and verifies the gateway's
 * host name, as an HTTPS client must.
 *
 * <p>An exchange on a pooled connection that the gateway closed while it was idle fails before any
 * answer arrived; it is then sent once more on a new connection. Every other failure is thrown:
 * {@link ConnectException} when the gateway cannot be reached (refused, or no connection within the
 * connect timeout), {@link SocketTimeoutException} when the answer did not come within the exchange's
 * timeout, another {@link IOException} when the connection broke. A daemon thread closes the
 * connection of an exchange whose deadline passed; it wakes at the earliest deadline and at least once
 * a second. Thread-safe.
 */
public final class Http1Connections implements AutoCloseable {
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int MAX_BODY_BYTES = 256 * 1024 * 1024;

    private static final long REAPER_MAX_SLEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long connectTimeoutNanos;
    private final SSLContext ssl;
    private final ConcurrentHashMap<URI, ConcurrentLinkedDeque<Connection>> idle = new ConcurrentHashMap<>();
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final Set<Connection> watched = ConcurrentHashMap.newKeySet();
    private final Thread reaper;
    private volatile long reaperWakes = System.nanoTime();
    private volatile boolean closed;

    /**
     * Starts the daemon thread that enforces deadlines.
     *
     * @param ssl the TLS context for {@code https} gateways, or null for the JDK's default
     */
    public Http1Connections(Duration connectTimeout, SSLContext ssl) {
        this.connectTimeoutNanos = Math.max(1, connectTimeout.toNanos());
        this.ssl = ssl;
        this.reaper = new Thread(this::reap, "dkv-client-deadlines");
        reaper.setDaemon(true);
        reaper.start();
    }

    /**
     * An answer with its body read in full.
     *
     * @param headers by name, case-insensitive, each with its values in the order they came
     */
    public record Answer(int status, Map<String, List<String>> headers, byte[] body) {
        /** The first value of the header, or null. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.get(0);
        }
    }

    /**
     * Sends one request to {@code gateway} and reads its answer.
     *
     * @param target the request target: the path and query, percent-encoded (checked)
     * @param headers names and values, checked to hold no line breaks
     * @param body the body, or null for none
     * @param timeout how long to wait for the connection and the whole answer
     * @throws IllegalArgumentException when the target is not a percent-encoded path and query, or a
     *     header name or value could split the request
     */
    public Answer exchange(URI gateway, String method, String target, Map<String, String> headers, byte[] body, Duration timeout)
            throws IOException {
        byte[] request = encode(gateway, method, target, headers, body);
        long deadline = System.nanoTime() + timeout.toNanos();
        ConcurrentLinkedDeque<Connection> pool = idle.computeIfAbsent(gateway, g -> new ConcurrentLinkedDeque<>());
        Connection pooled = pool.pollFirst();
        if (pooled != null) {
            try {
                return exchange(pooled, pool, request, method, deadline);
            } catch (StaleConnection e) {
                // The gateway closed it while it idled; the request never reached a live connection.
            }
        }
        return exchange(connect(gateway, deadline), pool, request, method, deadline);
    }

    /** Closes every connection, idle or in an exchange; exchanges in progress fail with an {@link IOException}. */
    @Override
    public void close() {
        closed = true;
        open.forEach(Connection::close);
        idle.clear();
        LockSupport.unpark(reaper);
    }

    private Answer exchange(Connection connection, ConcurrentLinkedDeque<Connection> pool, byte[] request, String method, long deadline)
            throws IOException {
        boolean reusable = false;
        watch(connection, deadline);
        try {
            try {
                connection.out.write(request);
                connection.out.flush();
                connection.in.awaitData();
            } catch (IOException e) {
                if (connection.reused && !connection.expired) {
                    throw new StaleConnection(e);
                }
                throw connection.expired ? timedOut(e) : e;
            }
            Answer answer;
            do {
                Head head = readHead(connection.in, method);
                answer = new Answer(head.status, head.headers, head.bodyFollows ? readBody(connection.in, head) : new byte[0]);
                reusable = head.http11 && !"close".equalsIgnoreCase(answer.header("Connection")) && head.delimited;
            } while (answer.status() >= 100 && answer.status() < 200);
            return answer;
        } catch (StaleConnection e) {
            throw e;
        } catch (IOException e) {
            throw connection.expired ? timedOut(e) : e;
        } finally {
            // Not pooled when the reaper claimed it, even if the answer came: it is being closed.
            if (unwatch(connection) && reusable && !closed) {
                connection.reused = true;
                pool.offerFirst(connection);
                if (closed) {
                    connection.close();
                }
            } else {
                connection.close();
            }
        }
    }

    private static SocketTimeoutException timedOut(IOException cause) {
        SocketTimeoutException timeout = new SocketTimeoutException("no answer within the timeout");
        timeout.initCause(cause);
        return timeout;
    }

    private Connection connect(URI gateway, long deadline) throws IOException {
        if (closed) {
            throw new IOException("the client is closed");
        }
        Connection connection = new Connection(new Socket());
        if (closed) {
            connection.close();
            throw new IOException("the client is closed");
        }
        // A connect without a timeout keeps the socket in blocking mode, so that each read is one
        // system call; the reaper closes it if the connection does not come within the connect timeout.
        watch(connection, Math.min(deadline, System.nanoTime() + connectTimeoutNanos));
        try {
            connection.raw.setTcpNoDelay(true);
            connection.raw.connect(new InetSocketAddress(gateway.getHost(), gateway.getPort()));
        } catch (ConnectException e) {
            connection.close();
            throw e;
        } catch (IOException e) {
            connection.close();
            throw connectFailed(gateway, connection.expired ? "no connection within the connect timeout" : e.toString(), e);
        } finally {
            unwatch(connection);
        }
        if (!"https".equalsIgnoreCase(gateway.getScheme())) {
            connection.use(connection.raw);
            return connection;
        }
        watch(connection, deadline);
        try {
            SSLContext context = ssl != null ? ssl : SSLContext.getDefault();
            SSLSocket secure = (SSLSocket) context.getSocketFactory().createSocket(connection.raw, gateway.getHost(), gateway.getPort(), true);
            SSLParameters parameters = secure.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            secure.setSSLParameters(parameters);
            secure.startHandshake();
            connection.use(secure);
            return connection;
        } catch (java.security.NoSuchAlgorithmException e) {
            connection.close();
            throw new IOException("no TLS context: " + e, e);
        } catch (IOException e) {
            connection.close();
            throw connection.expired ? timedOut(e) : e;
        } finally {
            unwatch(connection);
        }
    }

    /** Puts the connection under the reaper's eye until {@link #unwatch}: past {@code deadline} it is closed. */
    private void watch(Connection connection, long deadline) {
        connection.deadline = deadline;
        watched.add(connection);
        if (deadline - reaperWakes < 0) {
            LockSupport.unpark(reaper);
        }
    }

    /** @return false when the reaper claimed the connection first (it expires it) */
    private boolean unwatch(Connection connection) {
        return watched.remove(connection);
    }

    /**
     * Closes every watched connection whose deadline passed, then sleeps until the next deadline (at
     * most a second). Closing a socket ends the read or connect blocked on it at once.
     */
    private void reap() {
        while (!closed) {
            long now = System.nanoTime();
            long next = now + REAPER_MAX_SLEEP_NANOS;
            reaperWakes = next;
            for (Connection connection : watched) {
                long deadline = connection.deadline;
                if (deadline - now <= 0) {
                    if (watched.remove(connection)) {
                        connection.expire();
                    }
                } else if (deadline - next < 0) {
                    next = deadline;
                }
            }
            reaperWakes = next;
            LockSupport.parkNanos(this, next - now);
        }
    }

    private static ConnectException connectFailed(URI gateway, String why, IOException cause) {
        ConnectException failed = new ConnectException("could not connect to " + gateway + ": " + why);
        failed.initCause(cause);
        return failed;
    }

    private static byte[] encode(URI gateway, String method, String target, Map<String, String> headers, byte[] body) {
        checkTarget(target);
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(gateway.getHost()).append(':').append(gateway.getPort()).append("\r\n")
                .append("User-Agent: dkv-java-client\r\n");
        headers.forEach((name, value) -> {
            checkHeader(name, value);
            head.append(name).append(": ").append(value).append("\r\n");
        });
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
        if (body == null || body.length == 0) {
            return headBytes;
        }
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    /** A path and query of RFC 3986's characters, every {@code %} starting an escape: what a URI would accept. */
    private static void checkTarget(String target) {
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("a request path starts with /, not " + target);
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0;
            if (c == '%') {
                allowed = i + 2 < target.length() && Character.digit(target.charAt(i + 1), 16) >= 0
                        && Character.digit(target.charAt(i + 2), 16) >= 0;
            }
            if (!allowed) {
                throw new IllegalArgumentException("illegal character '" + c + "' at index " + i + " of request path " + target);
            }
        }
    }

    private static void checkHeader(String name, String value) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("an empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                throw new IllegalArgumentException("header name " + name + " is not an HTTP token");
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("the value of header " + name + " holds a line break");
            }
        }
    }

    /**
     * A status line and headers; {@code bodyFollows} says whether a body comes after them, and
     * {@code delimited} whether the answer's end is known without the connection closing.
     */
    private record Head(int status, boolean http11, Map<String, List<String>> headers, long contentLength, boolean chunked,
            boolean bodyFollows, boolean delimited) {
    }

    /** Reads the head of the answer to a {@code method} request. */
    private static Head readHead(Input in, String method) throws IOException {
        String statusLine = in.readLine();
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.x answer: " + statusLine);
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: " + statusLine);
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int bytes = statusLine.length();
        for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
            bytes += line.length();
            if (bytes > MAX_HEAD_BYTES) {
                throw new IOException("the answer's headers exceed " + MAX_HEAD_BYTES + " bytes");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("not an HTTP header line: " + line);
            }
            headers.computeIfAbsent(line.substring(0, colon).trim(), n -> new ArrayList<>(1)).add(line.substring(colon + 1).trim());
        }
        List<String> encodings = headers.get("Transfer-Encoding");
        boolean chunked = encodings != null && encodings.get(encodings.size() - 1).toLowerCase(Locale.ROOT).endsWith("chunked");
        long length = -1;
        List<String> lengths = headers.get("Content-Length");
        if (!chunked && lengths != null) {
            try {
                length = Long.parseLong(lengths.get(0));
            } catch (NumberFormatException e) {
                throw new IOException("not a Content-Length: " + lengths.get(0));
            }
        }
        boolean bodyFollows = !method.equals("HEAD") && status >= 200 && status != 204 && status != 304;
        return new Head(status, statusLine.startsWith("HTTP/1.1"), headers, length, chunked, bodyFollows,
                !bodyFollows || chunked || length >= 0);
    }

    private static byte[] readBody(Input in, Head head) throws IOException {
        if (head.chunked) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = in.readLine();
                int extension = sizeLine.indexOf(';');
                long size;
                try {
                    size = Long.parseLong((extension >= 0 ? sizeLine.substring(0, extension) : sizeLine).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("not a chunk size: " + sizeLine);
                }
                if (size == 0) {
                    while (!in.readLine().isEmpty()) {
                        // trailers carry nothing the client reads
                    }
                    return body.toByteArray();
                }
                if (body.size() + size > MAX_BODY_BYTES) {
                    throw new IOException("the answer's body exceeds " + MAX_BODY_BYTES + " bytes");
                }
                body.write(in.readExactly((int) size));
                in.readLine();
            }
        }
        if (head.contentLength >= 0) {
            if (head.contentLength > MAX_BODY_BYTES) {
                throw new IOException("the answer's body of " + head.contentLength + " bytes exceeds " + MAX_BODY_BYTES);
            }
            return in.readExactly((int) head.contentLength);
        }
        return in.readToEnd(MAX_BODY_BYTES);
    }

    /** Thrown when a reused connection proved dead before any answer: the request is sent again on a new one. */
    private static final class StaleConnection extends IOException {
        StaleConnection(IOException broken) {
            super(broken);
        }
    }

    /**
     * One TCP connection, with TLS over it for {@code https}; used by one exchange at a time, and pooled
     * between exchanges. No socket timeout is ever set: that would put the socket in non-blocking mode,
     * and every read would cost a failed read and a poll besides. The reaper enforces deadlines.
     */
    private final class Connection {
        final Socket raw;
        Input in;
        OutputStream out;
        boolean reused;
        volatile long deadline;
        volatile boolean expired;

        Connection(Socket raw) {
            this.raw = raw;
            open.add(this);
        }

        /** Reads and writes through {@code socket} (the raw one, or TLS over it). */
        void use(Socket socket) throws IOException {
            in = new Input(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void expire() {
            expired = true;
            close();
        }

        void close() {
            open.remove(this);
            try {
                raw.close();
            } catch (IOException e) {
                // closing is all that was asked
            }
        }
    }

    /** A socket's input with its own buffer (not synchronized per byte, as {@code BufferedInputStream} is). */
    private static final class Input {
        private final InputStream stream;
        private final byte[] buffer = new byte[16 * 1024];
        private int position;
        private int limit;

        Input(InputStream stream) {
            this.stream = stream;
        }

        /** Blocks until at least one byte of an answer is here. */
        void awaitData() throws IOException {
            if (position == limit && !fill()) {
                throw new EOFException("the gateway closed the connection before it answered");
            }
        }

        private boolean fill() throws IOException {
            int read = stream.read(buffer);
            if (read < 0) {
                return false;
            }
            position = 0;
            limit = read;
            return true;
        }

        /** A line up to CRLF (or LF), without it; header bytes are ISO-8859-1 as HTTP/1.1 has them. */
        String readLine() throws IOException {
            StringBuilder line = null;
            while (true) {
                if (position == limit && !fill()) {
                    throw new EOFException("the connection closed in the middle of the answer");
                }
                int start = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                int end = position;
                boolean complete = position < limit;
                if (complete) {
                    position++;
                }
                String part = new String(buffer, start, end - start, StandardCharsets.ISO_8859_1);
                if (line == null && complete) {
                    return stripCr(part);
                }
                line = line == null ? new StringBuilder(part) : line.append(part);
                if (line.length() > MAX_HEAD_BYTES) {
                    throw new IOException("an answer line exceeds " + MAX_HEAD_BYTES + " bytes");
                }
                if (complete) {
                    return stripCr(line.toString());
                }
            }
        }

        private static String stripCr(String line) {
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        }

        byte[] readExactly(int length) throws IOException {
            byte[] bytes = new byte[length];
            int have = Math.min(length, limit - position);
            System.arraycopy(buffer, position, bytes, 0, have);
            position += have;
            while (have < length) {
                int read = stream.read(bytes, have, length - have);
                if (read < 0) {
                    throw new EOFException("the connection closed " + (length - have) + " bytes before the end of the answer");
                }
                have += read;
            }
            return bytes;
        }

        byte[] readToEnd(int max) throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(buffer, position, limit - position);
            position = limit;
            while (fill()) {
                if (all.size() + limit > max) {
                    throw new IOException("the answer's body exceeds " + max + " bytes");
                }
                all.write(buffer, 0, limit);
                position = limit;
            }
            return all.toByteArray();
        }
    }
}
