package dev.crabstore.store.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.crabstore.core.hash.Hash;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real HTTP on 127.0.0.1. */
class VerifiedDownloaderTest {
    static final byte[] CRATE = "pretend crate bytes".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    HttpServer server;
    String base;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath();
            int status = p.endsWith("/ok.crate") ? 200 : p.endsWith("/boom.crate") ? 500 : 404;
            byte[] body = status == 200 ? CRATE : new byte[0];
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    VerifiedDownloader downloader() {
        return new VerifiedDownloader(Duration.ofSeconds(5));
    }

    @Test
    void makesNoHttpClientUntilAnHttpUrlIsFetched() throws Exception {
        VerifiedDownloader d = downloader();
        Path src = Files.write(dir.resolve("local.crate"), CRATE);
        d.download(src.toUri(), Hash.sha256(CRATE), dir.resolve("copy.crate"), "local 1.0.0");
        assertFalse(d.httpClientMade(), "a file:// download (or none) must not pay for an HTTP client");
        d.download(URI.create(base + "/ok.crate"), Hash.sha256(CRATE), dir.resolve("ok.crate"), "ok 1.0.0");
        assertTrue(d.httpClientMade());
    }

    @Test
    void downloadsAndVerifies() throws Exception {
        Path dest = dir.resolve("ok.crate");
        downloader().download(URI.create(base + "/ok.crate"), Hash.sha256(CRATE), dest, "ok 1.0.0");
        assertArrayEquals(CRATE, Files.readAllBytes(dest));
    }

    @Test
    void rejectsAWrongHashAndKeepsNothing() throws Exception {
        Path dest = dir.resolve("ok.crate");
        HashMismatchException e = assertThrows(HashMismatchException.class, () -> downloader()
                .download(URI.create(base + "/ok.crate"), Hash.sha256("other"), dest, "ok 1.0.0"));
        assertTrue(e.getMessage().contains("ok 1.0.0"), e.getMessage());
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void tellsNotFoundFromFailure() {
        Path dest = dir.resolve("x.crate");
        FetchException missing = assertThrows(FetchException.class, () -> downloader()
                .download(URI.create(base + "/missing.crate"), Hash.sha256(CRATE), dest, "missing 1.0.0"));
        assertTrue(missing.notFound());
        assertTrue(missing.getMessage().contains("HTTP 404"), missing.getMessage());
        FetchException boom = assertThrows(FetchException.class, () -> downloader()
                .download(URI.create(base + "/boom.crate"), Hash.sha256(CRATE), dest, "boom 1.0.0"));
        assertFalse(boom.notFound());
        assertTrue(boom.getMessage().contains("HTTP 500"), boom.getMessage());
        assertFalse(Files.exists(dest));
    }

    @Test
    void readsFileUrls() throws Exception {
        Path src = Files.write(dir.resolve("src.crate"), CRATE);
        Path dest = dir.resolve("out/dest.crate");
        downloader().download(src.toUri(), Hash.sha256(CRATE), dest, "file crate");
        assertArrayEquals(CRATE, Files.readAllBytes(dest));
        FetchException missing = assertThrows(FetchException.class, () -> downloader()
                .download(dir.resolve("nope.crate").toUri(), Hash.sha256(CRATE), dest, "nope"));
        assertTrue(missing.notFound());
    }
}
