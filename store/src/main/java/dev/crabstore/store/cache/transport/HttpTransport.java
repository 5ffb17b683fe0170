package dev.crabstore.store.cache.transport;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A cache over HTTP(S). 404 and 403 mean "not there" (403 because S3 answers it for missing keys, as Nix treats it);
 * other statuses, timeouts and connection errors are {@link TransportException}s. Uploads are PUTs with an optional
 * bearer token. A body that stalls for longer than the read timeout is aborted, so a hanging server cannot hang a
 * build.
 */
public final class HttpTransport implements CacheTransport {
    private final URI base;
    private final HttpClient client;
    private final Duration timeout;
    private final Optional<String> bearerToken;
    private final ScheduledExecutorService watchdog;

    public HttpTransport(URI base, Duration timeout, Optional<String> bearerToken) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.timeout = timeout;
        this.bearerToken = bearerToken;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "http-transport-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    private URI resolve(String relativePath) {
        return base.resolve(RelativePaths.check(relativePath));
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
        bearerToken.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    @Override
    public boolean exists(String relativePath) {
        URI uri = resolve(relativePath);
        HttpResponse<Void> r = send(request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding(), uri);
        if (r.statusCode() == 200) {
            return true;
        }
        if (isNotFound(r.statusCode())) {
            return false;
        }
        throw new TransportException("HEAD " + uri + " answered HTTP " + r.statusCode());
    }

    @Override
    public Optional<InputStream> get(String relativePath) {
        URI uri = resolve(relativePath);
        HttpResponse<InputStream> r = send(request(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream(), uri);
        if (r.statusCode() == 200) {
            return Optional.of(new StallGuard(r.body(), uri));
        }
        try {
            r.body().close();
        } catch (IOException ignored) {
            // the status is what matters
        }
        if (isNotFound(r.statusCode())) {
            return Optional.empty();
        }
        throw new TransportException("GET " + uri + " answered HTTP " + r.statusCode());
    }

    @Override
    public void put(String relativePath, Path file, String contentType) {
        URI uri = resolve(relativePath);
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(file);
        } catch (java.io.FileNotFoundException e) {
            throw new TransportException("cannot upload " + file, e);
        }
        HttpResponse<String> r = send(request(uri).header("Content-Type", contentType).PUT(body).build(),
                HttpResponse.BodyHandlers.ofString(), uri);
        if (r.statusCode() / 100 != 2) {
            throw new TransportException("PUT " + uri + " answered HTTP " + r.statusCode() + ": " + r.body());
        }
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler, URI uri) {
        try {
            return client.send(req, handler);
        } catch (IOException e) {
            throw new TransportException("cannot reach " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while fetching " + uri, e);
        }
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
        watchdog.shutdownNow();
    }

    /** Fails a read that waits longer than the timeout for the next bytes. */
    private final class StallGuard extends FilterInputStream {
        private final URI uri;

        StallGuard(InputStream in, URI uri) {
            super(in);
            this.uri = uri;
        }

        private <T> T guarded(IoCall<T> call) throws IOException {
            java.util.concurrent.atomic.AtomicBoolean fired = new java.util.concurrent.atomic.AtomicBoolean();
            ScheduledFuture<?> alarm = watchdog.schedule(() -> {
                // Set before closing: the reader sees the flag when close() makes its read fail.
                fired.set(true);
                try {
                    in.close();
                } catch (IOException ignored) {
                    // closing is the point
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                return call.run();
            } catch (IOException e) {
                if (fired.get()) {
                    throw new IOException("no data from " + uri + " for " + timeout.toSeconds() + " s", e);
                }
                throw e;
            } finally {
                alarm.cancel(false);
            }
        }

        @Override
        public int read() throws IOException {
            return guarded(in::read);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return guarded(() -> in.read(b, off, len));
        }
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T run() throws IOException;
    }
}
