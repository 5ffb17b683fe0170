package dev.crabstore.store.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.TrustedKeys;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache order and remembered misses, against a real HTTP server on 127.0.0.1 that counts requests. */
class SubstitutersTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    @TempDir
    Path dir;
    HttpServer server;
    final List<String> requests = new ArrayList<>();
    int priority = 50;
    volatile int status = 404; // for narinfos

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-11-25T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath();
            synchronized (requests) {
                requests.add(p);
            }
            byte[] body = p.equals("/nix-cache-info") ? ("StoreDir: /crabstore/store\nPriority: " + priority + "\n")
                    .getBytes(StandardCharsets.UTF_8) : null;
            ex.sendResponseHeaders(body == null ? status : 200, body == null ? -1 : body.length);
            if (body != null) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long narinfoRequests() {
        synchronized (requests) {
            return requests.stream().filter(r -> r.endsWith(".narinfo")).count();
        }
    }

    @Test
    void aMissIsRememberedForTheNegativeTtl() {
        MovableClock clock = new MovableClock();
        StorePath p = StorePath.parseBaseName("0vddniy5qi3mvkzg4jywm2sph6dxfnp2-greet-0.2.0");
        Path misses = dir.resolve("misses");
        try (Substituters s = Substituters.open(List.of(url()), TrustedKeys.parse(""), SD, Map.of(), misses,
                Duration.ofSeconds(3600), clock, m -> { })) {
            assertFalse(s.has(p));
            assertFalse(s.has(p));
            assertEquals(1, narinfoRequests(), "the second answer came from the remembered miss");
        }
        // Another process within the TTL: the miss is on disk.
        try (Substituters s = Substituters.open(List.of(url()), TrustedKeys.parse(""), SD, Map.of(), misses,
                Duration.ofSeconds(3600), clock, m -> { })) {
            assertFalse(s.has(p));
            assertEquals(1, narinfoRequests());
            clock.now = clock.now.plusSeconds(3601);
            assertFalse(s.has(p));
            assertEquals(2, narinfoRequests(), "after the TTL the cache is asked again");
        }
    }

    @Test
    void nothingIsAskedBeforeTheFirstQuery() {
        try (Substituters s = Substituters.open(List.of(url()), TrustedKeys.parse(""), SD, Map.of(), dir.resolve("m"),
                Duration.ofSeconds(3600), Clock.systemUTC(), m -> { })) {
            assertFalse(s.isEmpty());
            synchronized (requests) {
                assertEquals(List.of(), requests, "a build with nothing to do touches no cache");
            }
        }
    }

    @Test
    void aCacheThatKeepsFailingIsGivenUpForTheRun() {
        status = 503;
        List<String> warnings = new ArrayList<>();
        try (Substituters s = Substituters.open(List.of(url()), TrustedKeys.parse(""), SD, Map.of(), dir.resolve("m"),
                Duration.ofSeconds(3600), Clock.systemUTC(), warnings::add)) {
            for (int i = 0; i < 10; i++) {
                assertFalse(s.has(StorePath.parseBaseName(String.format("0vddniy5qi3mvkzg4jywm2sph6dxfn%02d-p", i))));
            }
        }
        assertEquals(Substituters.FAILURES_BEFORE_GIVING_UP, narinfoRequests());
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("answered HTTP 503"), warnings.toString());
        assertTrue(warnings.get(1).contains("failed 3 times in a row") && warnings.get(1).contains("not asked again"),
                warnings.toString());
    }

    @Test
    void missesOfOneRunAreWrittenOnceAndAStaleFileIsCompacted() throws Exception {
        MovableClock clock = new MovableClock();
        Path file = dir.resolve("misses");
        StringBuilder stale = new StringBuilder();
        for (int i = 0; i <= NarinfoMisses.COMPACT_AT; i++) {
            stale.append(clock.now.getEpochSecond() - 7200).append(" http://old ").append(i).append('\n');
        }
        Files.writeString(file, stale);
        StorePath p = StorePath.parseBaseName("0vddniy5qi3mvkzg4jywm2sph6dxfnp2-greet-0.2.0");
        try (Substituters s = Substituters.open(List.of(url()), TrustedKeys.parse(""), SD, Map.of(), file,
                Duration.ofSeconds(3600), clock, m -> { })) {
            assertFalse(s.has(p));
            clock.now = clock.now.plusSeconds(10);
            assertFalse(s.has(p));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(1, lines.size(), "stale lines dropped, the miss written once: " + lines.size());
        assertTrue(lines.get(0).endsWith(" " + url() + " " + p.hashPart()), lines.get(0));
    }

    @Test
    void cachesAreAskedInPriorityOrderAndTheUrlCanOverrideIt() throws Exception {
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", ex -> {
            byte[] body = "StoreDir: /crabstore/store\nPriority: 10\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/nix-cache-info") ? 200 : 404,
                    ex.getRequestURI().getPath().equals("/nix-cache-info") ? body.length : -1);
            if (ex.getRequestURI().getPath().equals("/nix-cache-info")) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        other.start();
        try {
            String low = "http://127.0.0.1:" + other.getAddress().getPort();
            List<String> warnings = new ArrayList<>();
            try (Substituters s = Substituters.open(List.of(url(), low, "file://" + dir.resolve("none")
                    + "?priority=5", "ftp://nowhere"), TrustedKeys.parse(""), SD, Map.of(), dir.resolve("m"),
                    Duration.ZERO, Clock.systemUTC(), warnings::add)) {
                assertEquals(List.of("file://" + dir.resolve("none"), low, url()), s.urls());
                assertEquals(1, warnings.size(), warnings.toString());
            }
        } finally {
            other.stop(0);
        }
    }
}
