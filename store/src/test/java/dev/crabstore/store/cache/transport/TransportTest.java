package dev.crabstore.store.cache.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both transports against real files and a real HTTP server on 127.0.0.1. */
class TransportTest {
    @TempDir
    Path dir;

    HttpServer server;
    URI base;
    final Map<String, byte[]> stored = new ConcurrentHashMap<>();
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath().substring(1);
            try {
                switch (ex.getRequestMethod()) {
                    case "PUT" -> {
                        if (!"Bearer s3cret".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                            ex.sendResponseHeaders(401, -1);
                        } else {
                            stored.put(p, ex.getRequestBody().readAllBytes());
                            ex.sendResponseHeaders(201, -1);
                        }
                    }
                    default -> {
                        if (p.equals("cache/boom")) {
                            ex.sendResponseHeaders(500, -1);
                        } else if (p.equals("cache/forbidden")) {
                            ex.sendResponseHeaders(403, -1);
                        } else if (p.equals("cache/hang")) {
                            ex.sendResponseHeaders(200, 100);
                            ex.getResponseBody().write(new byte[10]);
                            ex.getResponseBody().flush();
                            release.await();
                        } else if (stored.containsKey(p)) {
                            byte[] body = stored.get(p);
                            boolean head = ex.getRequestMethod().equals("HEAD");
                            ex.sendResponseHeaders(200, head ? -1 : body.length);
                            if (!head) {
                                ex.getResponseBody().write(body);
                            }
                        } else {
                            ex.sendResponseHeaders(404, -1);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ex.close();
            }
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cache");
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    @Test
    void fileTransportRoundTripsAndTellsMisses() throws IOException {
        FileTransport t = new FileTransport(dir.resolve("cache"));
        Path f = Files.writeString(dir.resolve("x"), "narinfo");
        t.put("abc.narinfo", f, "text/x-nix-narinfo");
        t.put("nar/abc.nar.zst", f, "application/zstd");
        assertTrue(t.exists("abc.narinfo"));
        assertFalse(t.exists("missing.narinfo"));
        assertEquals(Optional.empty(), t.get("missing.narinfo"));
        try (InputStream in = t.get("nar/abc.nar.zst").orElseThrow()) {
            assertEquals("narinfo", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThrows(IllegalArgumentException.class, () -> t.get("../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> t.get("/etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> t.get("nar//x"));
        // A cache directory that is not there (a typo in a substituter) is a failure, not a cache without the file.
        FileTransport typo = new FileTransport(dir.resolve("cahce"));
        TransportException e = assertThrows(TransportException.class, () -> typo.get("nix-cache-info"));
        assertTrue(e.getMessage().contains(dir.resolve("cahce") + " does not exist"), e.getMessage());
    }

    @Test
    void httpTransportGetsPutsAndClassifies() throws IOException {
        try (HttpTransport t = new HttpTransport(base, Duration.ofSeconds(5), Optional.of("s3cret"))) {
            Path f = Files.writeString(dir.resolve("x"), "hello");
            t.put("abc.narinfo", f, "text/x-nix-narinfo");
            assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), stored.get("cache/abc.narinfo"));
            assertTrue(t.exists("abc.narinfo"));
            try (InputStream in = t.get("abc.narinfo").orElseThrow()) {
                assertEquals("hello", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            assertEquals(Optional.empty(), t.get("missing.narinfo"));
            assertEquals(Optional.empty(), t.get("forbidden"));
            TransportException e = assertThrows(TransportException.class, () -> t.get("boom"));
            assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
        }
        try (HttpTransport noToken = new HttpTransport(base, Duration.ofSeconds(5), Optional.empty())) {
            Path f = Files.writeString(dir.resolve("y"), "x");
            TransportException e = assertThrows(TransportException.class, () -> noToken.put("y", f, "text/plain"));
            assertTrue(e.getMessage().contains("401"), e.getMessage());
        }
    }

    @Test
    void aStalledBodyTimesOut() {
        try (HttpTransport t = new HttpTransport(base, Duration.ofMillis(700), Optional.empty())) {
            InputStream in = t.get("hang").orElseThrow();
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, in::readAllBytes);
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "gave up in bounded time");
            assertTrue(e.getMessage().contains("no data"), e.getMessage());
        }
    }

    @Test
    void unreachableServerIsAFailureNotAMiss() throws IOException {
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        try (HttpTransport t = new HttpTransport(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2),
                Optional.empty())) {
            assertThrows(TransportException.class, () -> t.get("x.narinfo"));
        }
    }
}
