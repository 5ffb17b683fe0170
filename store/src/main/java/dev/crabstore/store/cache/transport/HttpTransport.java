package dev.crabstore.store.cache.transport;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpRetryException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A cache over HTTP(S). 404 and 403 mean "not there" (403 because S3 answers it for missing keys, as Nix treats it);
 * other statuses, timeouts and connection errors are {@link TransportException}s. Uploads are PUTs with an optional
 * bearer token. Connecting, waiting for an answer and every read of a body time out after the given timeout, so a
 * hanging server cannot hang a build.
 *
 * <p>Built on {@link HttpURLConnection}, blocking, HTTP/1.1 with keep-alive: a download of a closure is many small
 * requests, and the JDK's {@code java.net.http.HttpClient} cost about five times as much CPU per request (its
 * asynchronous machinery, and a TLS context made with the client even for plain HTTP), which was most of a copy's
 * time besides the JVM's start. Redirects are followed within one protocol (not from HTTP to HTTPS).
 */
public final class HttpTransport implements CacheTransport {
    /** Idle keep-alive connections kept per server (the JDK keeps 5): a download runs up to 8 requests at once. */
    private static final String MAX_CONNECTIONS = "http.maxConnections";

    static {
        // Read once, when the JDK's keep-alive cache is first used.
        if (System.getProperty(MAX_CONNECTIONS) == null) {
            System.setProperty(MAX_CONNECTIONS, "16");
        }
    }

    private final URI base;
    private final Duration timeout;
    private final int timeoutMillis;
    private final Optional<String> bearerToken;

    public HttpTransport(URI base, Duration timeout, Optional<String> bearerToken) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.timeout = timeout;
        this.timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        this.bearerToken = bearerToken;
    }

    private URI resolve(String relativePath) {
        return base.resolve(RelativePaths.check(relativePath));
    }

    private HttpURLConnection open(URI uri, String method) throws IOException {
        // No proxy, as before with HttpClient: a cache on this machine or the LAN is asked directly.
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
        c.setRequestMethod(method);
        c.setConnectTimeout(timeoutMillis);
        c.setReadTimeout(timeoutMillis);
        c.setUseCaches(false);
        bearerToken.ifPresent(t -> c.setRequestProperty("Authorization", "Bearer " + t));
        return c;
    }

    @Override
    public boolean exists(String relativePath) {
        URI uri = resolve(relativePath);
        int status;
        try {
            HttpURLConnection c = open(uri, "HEAD");
            status = c.getResponseCode();
            discardBody(c);
        } catch (IOException e) {
            throw failure(uri, e);
        }
        if (status == 200) {
            return true;
        }
        if (isNotFound(status)) {
            return false;
        }
        throw new TransportException("HEAD " + uri + " answered HTTP " + status);
    }

    @Override
    public Optional<InputStream> get(String relativePath) {
        URI uri = resolve(relativePath);
        int status;
        try {
            HttpURLConnection c = open(uri, "GET");
            status = c.getResponseCode();
            if (status == 200) {
                return Optional.of(new StallMessage(c.getInputStream(), uri));
            }
            discardBody(c);
        } catch (IOException e) {
            throw failure(uri, e);
        }
        if (isNotFound(status)) {
            return Optional.empty();
        }
        throw new TransportException("GET " + uri + " answered HTTP " + status);
    }

    @Override
    public void put(String relativePath, Path file, String contentType) {
        URI uri = resolve(relativePath);
        int status;
        String answer;
        try {
            HttpURLConnection c = open(uri, "PUT");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", contentType);
            // Streamed with its length, never held in memory (the connection would buffer it whole otherwise).
            c.setFixedLengthStreamingMode(Files.size(file));
            try (OutputStream out = c.getOutputStream()) {
                Files.copy(file, out);
            }
            try {
                status = c.getResponseCode();
            } catch (HttpRetryException e) {
                // A 401 with a challenge, which a streamed body cannot be re-sent for.
                throw new TransportException("PUT " + uri + " answered HTTP " + e.responseCode() + ": "
                        + (e.getReason() == null || e.getReason().isBlank() ? uploadHint(e.responseCode())
                                : e.getReason()));
            }
            InputStream body = status / 100 == 2 ? c.getInputStream() : c.getErrorStream();
            answer = body == null ? "" : readAll(body);
        } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
            throw new TransportException("cannot upload " + file, e);
        } catch (IOException e) {
            throw failure(uri, e);
        }
        if (status / 100 != 2) {
            throw new TransportException("PUT " + uri + " answered HTTP " + status + ": "
                    + (answer.isBlank() ? uploadHint(status) : answer.strip()));
        }
    }

    /** What an upload refused without a word usually means. */
    private static String uploadHint(int status) {
        return switch (status) {
            case 401 -> "the cache takes uploads only with a token (set CRABSTORE_CACHE_TOKEN)";
            case 403 -> "the cache refused the token, or takes no uploads";
            default -> "no reason given";
        };
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Reads what is left of an answer, so its connection can serve the next request. */
    private static void discardBody(HttpURLConnection c) {
        try {
            InputStream error = c.getErrorStream();
            InputStream in = error == null && c.getResponseCode() / 100 == 2 ? c.getInputStream() : error;
            if (in != null) {
                try (in) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
            }
        } catch (IOException e) {
            // the connection is not reused; the status is what matters
        }
    }

    private TransportException failure(URI uri, IOException e) {
        if (e instanceof SocketTimeoutException) {
            return new TransportException("no answer from " + uri + " for " + timeout.toSeconds() + " s", e);
        }
        return new TransportException("cannot reach " + uri, e);
    }

    private static boolean isNotFound(int status) {
        return status == 404 || status == 403 || status == 410;
    }

    @Override
    public String describe() {
        return base.toString();
    }

    @Override
    public void close() {
        // Idle connections close themselves (the JDK's keep-alive cache times them out).
    }

    /** Says which download stalled when a read of the body times out. */
    private final class StallMessage extends FilterInputStream {
        private final URI uri;

        StallMessage(InputStream in, URI uri) {
            super(in);
            this.uri = uri;
        }

        private IOException stalled(SocketTimeoutException e) {
            return new IOException("no data from " + uri + " for " + timeout.toSeconds() + " s", e);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (SocketTimeoutException e) {
                throw stalled(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (SocketTimeoutException e) {
                throw stalled(e);
            }
        }
    }
}
