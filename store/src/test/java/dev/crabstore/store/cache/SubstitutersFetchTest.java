package dev.crabstore.store.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.store.cache.transport.FileTransport;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.PathLocks;
import dev.crabstore.store.local.StoreHome;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A closure fetched from a real HTTP cache on 127.0.0.1: NARs in parallel, references before their referrers. */
class SubstitutersFetchTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    static final int WIDTH = 8;

    @TempDir
    Path dir;
    SecretKey key;
    LocalStore a;
    LocalStore b;
    HttpServer server;
    List<StorePath> deps = new ArrayList<>();
    StorePath root;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger narRequests = new AtomicInteger();

    @BeforeEach
    void fillACache() throws Exception {
        key = SecretKey.generate("fetch-test-1", new SecureRandom());
        a = LocalStore.open(new StoreHome(dir.resolve("a"), SD), Clock.systemUTC());
        b = LocalStore.open(new StoreHome(dir.resolve("b"), SD), Clock.systemUTC());
        StringBuilder refs = new StringBuilder();
        for (int i = 0; i < WIDTH; i++) {
            StorePath d = a.addText("dep-" + i, ("dependency " + i + "\n").getBytes(StandardCharsets.UTF_8), Set.of());
            deps.add(d);
            refs.append(SD.print(d)).append('\n');
        }
        root = SD.makeOutputPath("out", Hash.sha256("a wide root"), "root");
        Path built = a.newTempDir("root").resolve("out");
        Files.createDirectories(built);
        Files.writeString(built.resolve("refs"), refs);
        try (PathLocks.PathLock l = a.locks().lock(root)) {
            a.registerOutput(root, built, deps, Optional.empty());
        }
        Path cache = dir.resolve("cache");
        new BinaryCache(new FileTransport(cache), SD).upload(a, Set.of(root), Optional.of(key), Compression.ZSTD);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath().substring(1);
            Path f = cache.resolve(p).normalize();
            if (!f.startsWith(cache) || !Files.isRegularFile(f)) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            boolean nar = p.startsWith("nar/");
            if (nar) {
                narRequests.incrementAndGet();
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            }
            try (OutputStream o = ex.getResponseBody()) {
                if (nar) {
                    Thread.sleep(300);
                }
                byte[] body = Files.readAllBytes(f);
                ex.sendResponseHeaders(200, body.length);
                o.write(body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (nar) {
                    inFlight.decrementAndGet();
                }
            }
        });
        server.start();
    }

    @AfterEach
    void close() {
        server.stop(0);
        a.close();
        b.close();
    }

    Substituters open(String... urls) {
        return Substituters.open(List.of(urls), TrustedKeys.parse(key.toPublicKey().toString()), SD, Map.of(),
                dir.resolve("misses"), Duration.ofHours(1), Duration.ofSeconds(30), Clock.systemUTC(), m -> { });
    }

    @Test
    void aWideClosureIsFetchedInParallelReferencesFirst() {
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try (Substituters s = open(url)) {
            Substituters.Result r = s.substitute(b, root);
            assertTrue(r.substituted(), r.failures().toString());
            assertEquals(Optional.of(url), r.from());
            assertTrue(r.bytes() > 0);
            assertEquals(List.of(), r.failures());
        }
        assertTrue(b.isValid(root));
        deps.forEach(d -> assertTrue(b.isValid(d)));
        assertEquals(Set.copyOf(deps), b.query(root).orElseThrow().references());
        assertEquals(WIDTH + 1, narRequests.get());
        assertTrue(maxInFlight.get() >= 2, "NARs fetched at once: " + maxInFlight.get());
    }

    @Test
    void aPathNoCacheHasFailsBeforeAnythingIsFetched() throws Exception {
        Files.delete(dir.resolve("cache").resolve(deps.get(3).hashPart() + ".narinfo"));
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try (Substituters s = open(url)) {
            Substituters.Result r = s.substitute(b, root);
            assertFalse(r.substituted());
            assertTrue(r.failures().stream().anyMatch(f -> f.contains("no substituter has " + SD.print(deps.get(3))
                    + ", a reference of " + SD.print(root))), r.failures().toString());
        }
        assertEquals(0, narRequests.get(), "the plan failed: nothing downloaded");
        assertFalse(b.isValid(root));
    }
}
