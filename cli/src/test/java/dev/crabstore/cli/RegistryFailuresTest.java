package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sparse HTTP registry (the corpus registry served on 127.0.0.1) that fails while crabstore fetches a crate: 404,
 * 500, and bytes that do not match the Cargo.lock checksum. Each fails the build with the URL and the problem, and
 * registers nothing for the crate; the same build succeeds once the registry is healthy.
 */
class RegistryFailuresTest {
    static final String CHECKSUM = ItoaApp.CHECKSUM;
    @TempDir
    Path dir;
    HttpServer server;
    final AtomicReference<String> fault = new AtomicReference<>("none");
    Path ws;

    @BeforeEach
    void start() throws Exception {
        Path registry = Corpus.corpusDir().resolve("registry");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        int port = server.getAddress().getPort();
        server.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath();
            byte[] body = null;
            int status = 200;
            if (p.equals("/index/config.json")) {
                body = ("{\"dl\":\"http://127.0.0.1:" + port + "/crates/{crate}-{version}.crate\"}")
                        .getBytes(StandardCharsets.UTF_8);
            } else if (p.startsWith("/index/") && !p.contains("..") && Files.isRegularFile(registry.resolve(
                    "index/" + p.substring(7)))) {
                body = Files.readAllBytes(registry.resolve("index/" + p.substring(7)));
            } else if (p.equals("/crates/itoa-1.0.1.crate")) {
                switch (fault.get()) {
                    case "404" -> status = 404;
                    case "500" -> status = 500;
                    case "corrupt" -> {
                        body = Files.readAllBytes(registry.resolve("itoa-1.0.1.crate"));
                        body[body.length / 2] ^= 1;
                    }
                    default -> body = Files.readAllBytes(registry.resolve("itoa-1.0.1.crate"));
                }
            } else {
                status = 404;
            }
            ex.sendResponseHeaders(status, body == null ? -1 : body.length);
            if (body != null) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        ws = dir.resolve("app");
        ItoaApp.write(ws, """
                [source.crates-io]
                replace-with = "test-sparse"
                [source.test-sparse]
                registry = "sparse+http://127.0.0.1:%d/index/"
                """.formatted(port), CHECKSUM, 42);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    Map<String, String> env() {
        Map<String, String> env = CliRun.envWithHome(dir.resolve("home"));
        env.put("CARGO_HOME", dir.resolve("cargo-home").toString());
        return env;
    }

    CliRun build() {
        return CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--locked");
    }

    void assertFailsWith(String faultKind, String... expected) throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        // cargo plans (and caches the crate in its own CARGO_HOME) while the registry is healthy.
        CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--locked").assertOk();
        fault.set(faultKind);
        CliRun r = build();
        System.out.println(faultKind + ": " + r.stderr());
        assertEquals(1, r.exitCode(), r.stderr());
        for (String e : expected) {
            assertTrue(r.stderr().contains(e), "expected '" + e + "' in:\n" + r.stderr());
        }
        try (var s = Files.list(dir.resolve("home/store"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith("itoa-1.0.1.crate")
                    || p.getFileName().toString().endsWith("-app-0.1.0-bin-app")), "nothing registered for it");
        }
        fault.set("none");
        CliRun ok = build().assertOk();
        assertTrue(ok.stderr().contains("Compiling itoa v1.0.1") || ok.stderr().contains("built"), ok.stderr());
    }

    @Test
    void aRegistryAnswering404NamesTheUrl() throws Exception {
        assertFailsWith("404", "/crates/itoa-1.0.1.crate", "404");
    }

    @Test
    void aRegistryAnswering500NamesTheUrl() throws Exception {
        assertFailsWith("500", "/crates/itoa-1.0.1.crate", "500");
    }

    @Test
    void aCrateThatDoesNotMatchTheLockfileChecksumIsRefused() throws Exception {
        assertFailsWith("corrupt", "itoa-1.0.1.crate", CHECKSUM);
    }
}
