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
    final AtomicInteger requests = new AtomicInteger();
    final List<String> narOrder = java.util.Collections.synchronizedList(new ArrayList<>());
    final Set<Integer> clientPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
        // The largest NAR of the closure, as a binary is.
        Files.write(built.resolve("big"), new byte[256 * 1024]);
        try (PathLocks.PathLock l = a.locks().lock(root)) {
            a.registerOutput(root, built, deps, Optional.empty());
        }
        Path cache = dir.resolve("cache");
        new BinaryCache(new FileTransport(cache), SD).upload(a, Set.of(root), Optional.of(key), Compression.ZSTD);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath().substring(1);
            requests.incrementAndGet();
            clientPorts.add(ex.getRemoteAddress().getPort());
            Path f = cache.resolve(p).normalize();
            if (!f.startsWith(cache) || !Files.isRegularFile(f)) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            boolean nar = p.startsWith("nar/");
            if (nar) {
                narOrder.add(p);
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
        return open(m -> { }, urls);
    }

    Substituters open(java.util.function.Consumer<String> warnings, String... urls) {
        return Substituters.open(List.of(urls), TrustedKeys.parse(key.toPublicKey().toString()), SD, Map.of(),
                dir.resolve("misses"), Duration.ofHours(1), Duration.ofSeconds(30), Clock.systemUTC(), warnings);
    }

    /**
     * A cache whose narinfos read fine but whose NARs break off is given up after 3 NARs in a row, as one that does
     * not answer (a user review found every unit of a build trying it, each with its own warning: the narinfo read
     * between two NARs reset the count).
     */
    @Test
    void aCacheWhoseNarsBreakOffIsGivenUpAfterThreeInARow() throws Exception {
        Path cache = dir.resolve("cache");
        for (StorePath d : deps) {
            Path nar = cache.resolve(narUrl(d));
            byte[] bytes = Files.readAllBytes(nar);
            Files.write(nar, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        }
        List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try (Substituters s = open(warnings::add, url)) {
            for (StorePath d : deps.subList(0, 6)) {
                assertFalse(s.substitute(b, d).substituted(), d.toString());
            }
        }
        assertEquals(3, narRequests.get(), "NARs asked for before the cache was given up");
        assertEquals(1, warnings.stream().filter(w -> w.contains("failed 3 times in a row")).count(),
                warnings.toString());
        deps.forEach(d -> assertFalse(b.isValid(d)));
    }

    /**
     * A path that becomes valid while the substituter waits for its lock (another thread built it) was delivered by
     * no cache: its result says so, and nothing is fetched (a user review saw units built here reported and recorded
     * as substituted).
     */
    @Test
    void aPathBuiltWhileItsLockIsAwaitedIsNotReportedAsFetched() throws Exception {
        StorePath d = deps.get(0);
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try (Substituters s = open(url)) {
            java.util.concurrent.CompletableFuture<Substituters.Result> r;
            try (PathLocks.PathLock l = b.locks().lock(d)) {
                r = java.util.concurrent.CompletableFuture.supplyAsync(() -> s.substitute(b, d));
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (requests.get() < 2 && System.nanoTime() < deadline) { // nix-cache-info, then the narinfo
                    Thread.sleep(10);
                }
                Thread.sleep(300); // on to the lock
                Path built = b.newTempDir("dep").resolve("out");
                Files.writeString(built, "dependency 0\n");
                b.registerOutput(d, built, List.of(), Optional.empty());
            }
            Substituters.Result result = r.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(result.substituted(), result.failures().toString());
            assertEquals(Optional.of(""), result.from());
            assertEquals(0, result.bytes());
        }
        assertEquals(0, narRequests.get());
        assertTrue(b.isValid(d));
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

    @Test
    void requestsShareKeptAliveConnections() {
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try (Substituters s = open(url)) {
            assertTrue(s.substitute(b, root).substituted());
        }
        // nix-cache-info, 9 narinfos and 9 NARs over at most one connection per thread (and a spare).
        assertEquals(2 * (WIDTH + 1) + 1, requests.get());
        assertTrue(clientPorts.size() <= Substituters.THREADS + 1, clientPorts.size() + " connections");
    }

    @Test
    void aNarThatFailsToVerifyLeavesNothingInTheStoreAndALeftoverIsReplaced() throws Exception {
        // dep-3's NAR file holds dep-4's NAR: it unpacks, but its hash is not the one dep-3's signed narinfo gives.
        Path cache = dir.resolve("cache");
        Files.copy(cache.resolve(narUrl(deps.get(4))), cache.resolve(narUrl(deps.get(3))),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // What an interrupted import of dep-0 left at its location: replaced by the real thing.
        Path leftover = Files.createDirectories(b.realPath(deps.get(0)));
        Files.writeString(leftover.resolve("half"), "written before a crash");
        leftover.toFile().setWritable(false);
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try (Substituters s = open(url)) {
            Substituters.Result r = s.substitute(b, root);
            assertFalse(r.substituted());
            assertTrue(r.failures().stream().anyMatch(f -> f.contains("hash mismatch importing "
                    + SD.print(deps.get(3)))), r.failures().toString());
        }
        assertFalse(b.isValid(deps.get(3)));
        assertFalse(Files.exists(b.realPath(deps.get(3)), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                "the unverified tree is deleted");
        assertFalse(b.isValid(root));
        assertFalse(Files.exists(b.realPath(root), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(b.isValid(deps.get(0)));
        java.io.ByteArrayOutputStream nar = new java.io.ByteArrayOutputStream();
        b.dumpPath(deps.get(0), nar);
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        a.dumpPath(deps.get(0), expected);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.toByteArray(), nar.toByteArray());
    }

    String narUrl(StorePath p) throws java.io.IOException {
        for (String line : Files.readAllLines(dir.resolve("cache").resolve(p.hashPart() + ".narinfo"))) {
            if (line.startsWith("URL: ")) {
                return line.substring(5);
            }
        }
        throw new AssertionError("no URL in the narinfo of " + p);
    }

    BinaryCache httpCache() {
        return new BinaryCache(new dev.crabstore.store.cache.transport.HttpTransport(java.net.URI.create(
                "http://127.0.0.1:" + server.getAddress().getPort()), Duration.ofSeconds(30), Optional.empty()), SD);
    }

    @Test
    void aCopyFetchesTheLargestNarFirstAndRegistersReferencesFirst() throws Exception {
        List<StorePath> copied = httpCache().download(b, List.of(root), TrustedKeys.parse(key.toPublicKey()
                .toString()));
        assertEquals(WIDTH + 1, copied.size());
        // Eight at once: the root's NAR, the largest, is in the first eight asked for, not after its references.
        assertEquals(WIDTH + 1, narOrder.size());
        assertTrue(narOrder.indexOf(narUrl(root)) < WIDTH, "the root's NAR is fetched with the first: " + narOrder);
        long rootRow = b.queryPathFromHashPart(root.hashPart()).orElseThrow().id();
        for (StorePath d : deps) {
            assertTrue(b.queryPathFromHashPart(d.hashPart()).orElseThrow().id() < rootRow,
                    "registered after its references");
        }
    }

    @Test
    void aCopyWhoseReferenceFailsLeavesTheRestoredRootNowhere() throws Exception {
        Path cache = dir.resolve("cache");
        Files.copy(cache.resolve(narUrl(deps.get(4))), cache.resolve(narUrl(deps.get(3))),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        BinaryCache.RejectedException e = org.junit.jupiter.api.Assertions.assertThrows(
                BinaryCache.RejectedException.class, () -> httpCache().download(b, List.of(root),
                        TrustedKeys.parse(key.toPublicKey().toString())));
        assertTrue(e.getMessage().contains("hash mismatch importing " + SD.print(deps.get(3))), e.getMessage());
        assertTrue(narOrder.contains(narUrl(root)), "the root was fetched meanwhile");
        assertFalse(b.isValid(root));
        assertFalse(Files.exists(b.realPath(root), java.nio.file.LinkOption.NOFOLLOW_LINKS), "and deleted");
        try (PathLocks.PathLock free = b.locks().tryLock(root).orElseThrow()) {
            assertTrue(free != null, "its lock is released");
        }
    }
}
