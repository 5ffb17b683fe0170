package dev.crabstore.store.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.crabstore.core.CrabstoreException;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A Nix binary cache over HTTP on the JDK's {@code com.sun.net.httpserver}, serving {@link CacheContents}.
 *
 * <ul>
 *   <li>{@code GET}/{@code HEAD} of {@code /nix-cache-info}, {@code /<hashPart>.narinfo}, {@code /nar/<name>}:
 *       200 with Content-Length, or 404.</li>
 *   <li>{@code PUT} of the same files: only when pushing is allowed and the request carries
 *       {@code Authorization: Bearer <token>}: 401 without a bearer token, 403 with a wrong one or when pushing is
 *       off, 400 for a malformed narinfo, 413 for a text file over 1 MiB, else 201.</li>
 *   <li>Any other method: 405. A path with {@code %}, {@code ..}, {@code .}, empty segments or backslashes: 400.</li>
 * </ul>
 *
 * Bodies are streamed (files in 64 KiB blocks, NARs from the store as they are dumped), never held in memory.
 * Nagle's algorithm is off ({@code sun.net.httpserver.nodelay}): with it on, small answers wait for the client's
 * delayed ACK and the server is about 40 times slower. Up to {@value #MAX_IDLE_CONNECTIONS} idle keep-alive
 * connections are kept ({@code sun.net.httpserver.maxIdleConnections}, unless set already).
 */
public final class CacheServer implements AutoCloseable {
    /** Handler threads: enough for many slow NAR downloads beside quick narinfo lookups. */
    public static final int THREADS = 64;
    /**
     * Keep-alive connections kept open between requests. The JDK's default, 200, closes a client's connection as
     * soon as 200 others are idle, and a client that sends its next request on it at that moment gets a closed
     * connection (wrk with 200 connections saw read errors); idle connections still close after 30 s.
     */
    static final int MAX_IDLE_CONNECTIONS = 10_000;
    private static final String MAX_IDLE_PROPERTY = "sun.net.httpserver.maxIdleConnections";

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final CacheContents contents;
    private final Optional<BearerToken> pushToken;
    private final Optional<Consumer<String>> requestLog;
    private final Consumer<String> errorLog;

    private CacheServer(HttpServer server, ThreadPoolExecutor executor, CacheContents contents,
            Optional<BearerToken> pushToken, Optional<Consumer<String>> requestLog, Consumer<String> errorLog) {
        this.server = server;
        this.executor = executor;
        this.contents = contents;
        this.pushToken = pushToken;
        this.requestLog = requestLog;
        this.errorLog = errorLog;
    }

    /**
     * Starts serving on {@code listen} (port 0 picks a free port; see {@link #address()}). {@code requestLog}
     * receives one line per request; {@code errorLog} the failures of the server itself (HTTP 500).
     */
    public static CacheServer start(InetSocketAddress listen, CacheContents contents, Optional<BearerToken> pushToken,
            Optional<Consumer<String>> requestLog, Consumer<String> errorLog) {
        // Read once, when the JDK's server configuration is first loaded: set them before any server is created.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        if (System.getProperty(MAX_IDLE_PROPERTY) == null) {
            System.setProperty(MAX_IDLE_PROPERTY, Integer.toString(MAX_IDLE_CONNECTIONS));
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "crabstore-serve-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        HttpServer server;
        try {
            server = HttpServer.create(listen, 256);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new StoreIOException("cannot listen on " + listen.getHostString() + ":" + listen.getPort(), e);
        }
        CacheServer cs = new CacheServer(server, executor, contents, pushToken, requestLog, errorLog);
        server.createContext("/", cs::handle);
        server.setExecutor(executor);
        server.start();
        return cs;
    }

    /** The address the server listens on, with the real port. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://host:port}, for messages and clients. */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * Stops accepting connections, lets running exchanges finish for up to {@code graceSeconds} (the JDK's server
     * waits that long in any case), then stops the handler threads.
     */
    public void stop(int graceSeconds) {
        server.stop(graceSeconds);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops at once; running exchanges are cut off. */
    @Override
    public void close() {
        stop(0);
    }

    /** What was answered, for the request log. */
    private static final class Outcome {
        int status;
        long bytes;
        String note = "";
    }

    private void handle(HttpExchange ex) {
        long start = System.nanoTime();
        Outcome o = new Outcome();
        String method = ex.getRequestMethod();
        String path = rawPath(ex.getRequestURI());
        try {
            dispatch(ex, method, path, o);
        } catch (IOException e) {
            // The client went away, or its upload broke off: nothing to answer.
            o.note = " (broke off: " + e.getMessage() + ")";
        } catch (RuntimeException e) {
            if (o.status == 0) {
                String msg = e instanceof CrabstoreException ? e.getMessage() : e.toString();
                errorLog.accept("error: " + method + " " + path + ": " + msg);
                try {
                    send(ex, o, 500, "text/plain", msg + "\n");
                } catch (IOException ignored) {
                    // the client went away too
                }
            } else {
                // Headers are out: the client sees the body end early (the connection is closed). Usually the
                // client went away while a NAR was being dumped.
                o.note = " (broke off: " + e.getMessage() + ")";
            }
        } finally {
            ex.close();
            if (requestLog.isPresent()) {
                requestLog.get().accept(String.format(Locale.ROOT, "%s %s %s %d %d %.1fms%s",
                        ex.getRemoteAddress().getAddress().getHostAddress(), method, path, o.status, o.bytes,
                        (System.nanoTime() - start) / 1e6, o.note));
            }
        }
    }

    /**
     * The request's path as sent. {@link URI} reads a path starting with {@code //} as an authority and a path,
     * which must not hide the empty segment.
     */
    private static String rawPath(URI uri) {
        if (uri.getScheme() == null && uri.getRawAuthority() != null) {
            return "//" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
        }
        return uri.getRawPath() == null ? "" : uri.getRawPath();
    }

    private void dispatch(HttpExchange ex, String method, String path, Outcome o) throws IOException {
        boolean head = method.equals("HEAD");
        if (!head && !method.equals("GET") && !method.equals("PUT")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD, PUT");
            send(ex, o, 405, "text/plain", "method " + method + " is not allowed (GET, HEAD, PUT)\n");
            return;
        }
        Optional<CacheFile> file;
        try {
            file = CacheFile.parse(path);
        } catch (CacheFile.InvalidCachePathException e) {
            send(ex, o, 400, "text/plain", e.getMessage() + "\n");
            return;
        }
        if (method.equals("PUT")) {
            put(ex, file, path, o);
            return;
        }
        Optional<Resource> r = file.isPresent() ? contents.get(file.get(), head) : Optional.empty();
        if (r.isEmpty()) {
            send(ex, o, 404, "text/plain", path.substring(1) + " is not in this cache\n");
            return;
        }
        try (Resource res = r.get()) {
            ex.getResponseHeaders().set("Content-Type", res.contentType());
            if (head) {
                if (res.length() >= 0) {
                    ex.getResponseHeaders().set("Content-Length", Long.toString(res.length()));
                }
                o.status = 200;
                ex.sendResponseHeaders(200, -1);
                return;
            }
            // Length 0 would mean "chunked" to the JDK server; -1 means no body.
            o.status = 200;
            ex.sendResponseHeaders(200, res.length() == 0 ? -1 : res.length());
            if (res.length() > 0) {
                OutputStream out = ex.getResponseBody();
                res.writeTo(out);
                out.flush();
                o.bytes = res.length();
            }
        }
    }

    private void put(HttpExchange ex, Optional<CacheFile> file, String path, Outcome o) throws IOException {
        if (pushToken.isEmpty()) {
            send(ex, o, 403, "text/plain", "this cache does not accept uploads (serve --allow-push TOKENFILE)\n");
            return;
        }
        switch (pushToken.get().check(ex.getRequestHeaders().getFirst("Authorization"))) {
            case MISSING -> {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"crabstore\"");
                send(ex, o, 401, "text/plain", "uploads need 'Authorization: Bearer <token>'\n");
                return;
            }
            case WRONG -> {
                send(ex, o, 403, "text/plain", "wrong push token\n");
                return;
            }
            case OK -> {
                // go on
            }
        }
        if (file.isEmpty()) {
            send(ex, o, 400, "text/plain", path.substring(1)
                    + " is not a file of a binary cache (nix-cache-info, <hash>.narinfo, nar/<name>)\n");
            return;
        }
        long declared = -1;
        String cl = ex.getRequestHeaders().getFirst("Content-Length");
        if (cl != null) {
            try {
                declared = Long.parseLong(cl.strip());
            } catch (NumberFormatException e) {
                send(ex, o, 400, "text/plain", "bad Content-Length '" + cl + "'\n");
                return;
            }
        }
        try {
            contents.put(file.get(), ex.getRequestBody(), declared);
        } catch (PushArea.RejectedUploadException e) {
            if (e.tooLarge()) {
                drain(ex.getRequestBody());
            }
            send(ex, o, e.tooLarge() ? 413 : 400, "text/plain", e.getMessage() + "\n");
            return;
        }
        send(ex, o, 201, "text/plain", "stored " + path.substring(1) + "\n");
    }

    /** How much of a refused upload's body is read and dropped before answering (see {@link #drain}). */
    static final long DRAIN_LIMIT = 16L << 20;

    /**
     * Reads and drops what is left of a request body the server refused unread. Closing a connection whose unread
     * bytes wait in the socket makes the kernel reset it, and the client then loses the 413 it was sent (seen under
     * load: "fixed content-length: 70, bytes received: 0"). Past DRAIN_LIMIT the connection is given up instead.
     */
    private static void drain(java.io.InputStream body) throws IOException {
        byte[] buf = new byte[64 << 10];
        long total = 0;
        int n;
        while (total < DRAIN_LIMIT && (n = body.read(buf)) > 0) {
            total += n;
        }
    }

    private static void send(HttpExchange ex, Outcome o, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        o.status = status;
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : b.length);
        if (!head) {
            ex.getResponseBody().write(b);
            o.bytes = b.length;
        }
    }
}
