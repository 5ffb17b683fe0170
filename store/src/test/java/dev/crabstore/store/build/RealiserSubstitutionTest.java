package dev.crabstore.store.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationHasher;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.store.cache.BinaryCache;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.cache.transport.FileTransport;
import dev.crabstore.store.fetch.VerifiedDownloader;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.sandbox.BwrapSandbox;
import dev.crabstore.testkit.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The realiser with substituters, end to end on real components: derivations built with bubblewrap in store A, pushed
 * to a binary cache (a directory, served as such or over a real HTTP server on 127.0.0.1 that can misbehave), then
 * realised in an empty store B.
 */
class RealiserSubstitutionTest {
    static final StoreDir SD = StoreDir.DEFAULT;

    @TempDir
    Path dir;

    final Map<StorePath, Derivation> drvs = new LinkedHashMap<>();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    final List<AutoCloseable> toClose = new ArrayList<>();
    SecretKey key;
    Path cache;
    Path source;
    StorePath fetch;
    StorePath dep;
    StorePath app;

    @BeforeEach
    void buildAndPush() throws Exception {
        Tools.require("bwrap");
        key = SecretKey.generate("test-cache-1", new SecureRandom());
        source = Files.writeString(dir.resolve("greeting.txt"), "hello from a fixed-output fetch\n");
        DerivationHasher h = new DerivationHasher(SD, drvs::get);
        Derivation f = base("greeting.txt", "builtin:fetchurl").env("url", source.toUri().toString())
                .buildFixedOutput(SD, new ContentAddress(ContentAddressMethod.FLAT,
                        Hash.sha256(Files.readAllBytes(source))));
        fetch = put(f);
        StorePath fetched = f.outputPaths().get("out");
        Derivation d = base("dep", "/bin/sh").inputDrv(fetch, "out").args("-c", "/bin/mkdir $out; /bin/cat "
                + SD.print(fetched) + " > $out/data; echo " + SD.print(fetched) + " > $out/ref").buildInputAddressed(h);
        dep = put(d);
        StorePath depOut = d.outputPaths().get("out");
        app = put(base("app", "/bin/sh").inputDrv(dep, "out").args("-c", "/bin/mkdir $out; /bin/cat " + SD.print(depOut)
                + "/data > $out/data; echo " + SD.print(depOut) + " > $out/ref").buildInputAddressed(h));
        LocalStore a = open("a");
        Map<StorePath, Realiser.Outcome> r = realiser(a, null).realise(List.of(app));
        assertTrue(r.get(app).succeeded(), r.get(app).error().orElse(""));
        cache = dir.resolve("cache");
        new BinaryCache(new FileTransport(cache), SD).upload(a, Set.of(out(app)), Optional.of(key), Compression.XZ);
        events.clear();
    }

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    Derivation.Builder base(String name, String builder) {
        return Derivation.newBuilder().name(name).system("x86_64-linux").builder(builder);
    }

    StorePath put(Derivation d) {
        StorePath p = d.drvPath(SD, d.render(SD));
        drvs.put(p, d);
        return p;
    }

    StorePath out(StorePath drv) {
        return drvs.get(drv).outputPaths().get("out");
    }

    /** A store holding the .drv files (as a store that planned the build would). */
    LocalStore open(String name) {
        LocalStore s = LocalStore.open(new StoreHome(dir.resolve(name), SD), Clock.systemUTC());
        toClose.add(s);
        drvs.forEach((p, d) -> assertEquals(p, s.addText(d.name() + ".drv", d.render(SD).getBytes(
                StandardCharsets.UTF_8), d.references())));
        return s;
    }

    Realiser realiser(LocalStore store, Substituters caches) {
        return new Realiser(store, BwrapSandbox.find(System.getenv()).orElseThrow(),
                List.of(new FetchUrlBuiltin(new VerifiedDownloader(Duration.ofSeconds(10)))), List.of(), 2, false,
                Duration.ofSeconds(60), new BuildListener() {
                    @Override
                    public void fresh(StorePath p, Derivation d) {
                        events.add("fresh " + d.name());
                    }

                    @Override
                    public void built(StorePath p, Derivation d, String log, long ms) {
                        events.add("built " + d.name());
                    }

                    @Override
                    public void failed(StorePath p, Derivation d, String message) {
                        events.add("failed " + d.name() + ": " + message);
                    }

                    @Override
                    public void substituted(StorePath p, Derivation d, String from, long bytes) {
                        assertTrue(bytes > 0);
                        events.add("substituted " + d.name() + " from " + from);
                    }

                    @Override
                    public void substitutionFailed(StorePath p, Derivation d, String reason) {
                        events.add("cannot substitute " + d.name() + ": " + reason);
                    }
                }).substituteFrom(caches);
    }

    Substituters caches(TrustedKeys trusted, Duration timeout, String... urls) {
        Substituters s = Substituters.open(List.of(urls), trusted, SD, Map.of(), dir.resolve("misses-" + toClose.size()),
                Duration.ofHours(1), timeout, Clock.systemUTC(), warnings::add);
        toClose.add(s);
        return s;
    }

    TrustedKeys trusted() {
        return TrustedKeys.parse(key.toPublicKey().toString());
    }

    /** How a test server mangles NAR files. */
    enum Nar { INTACT, TRUNCATED, CORRUPT, STALLED }

    /** A real HTTP server on 127.0.0.1 serving {@code root} as a binary cache; counts requests per file. */
    final class CacheServer implements AutoCloseable {
        final HttpServer server;
        final Map<String, Integer> requests = new HashMap<>();

        CacheServer(Path root, Nar nar) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", ex -> {
                String p = ex.getRequestURI().getPath().substring(1);
                synchronized (requests) {
                    requests.merge(p, 1, Integer::sum);
                }
                Path f = root.resolve(p).normalize();
                if (!f.startsWith(root) || !Files.isRegularFile(f)) {
                    ex.sendResponseHeaders(404, -1);
                    ex.close();
                    return;
                }
                byte[] body = Files.readAllBytes(f);
                boolean isNar = p.startsWith("nar/");
                try (OutputStream o = ex.getResponseBody()) {
                    if (isNar && nar == Nar.TRUNCATED) {
                        ex.sendResponseHeaders(200, 0); // chunked: the short body ends cleanly
                        o.write(body, 0, body.length / 2);
                    } else if (isNar && nar == Nar.CORRUPT) {
                        body[body.length / 2] ^= 0x55;
                        ex.sendResponseHeaders(200, body.length);
                        o.write(body);
                    } else if (isNar && nar == Nar.STALLED) {
                        ex.sendResponseHeaders(200, body.length);
                        o.flush();
                        sleep(3000);
                        o.write(body);
                    } else {
                        ex.sendResponseHeaders(200, body.length);
                        o.write(body);
                    }
                } catch (IOException e) {
                    // the client gave up (the stalled case)
                }
            });
            server.setExecutor(Executors.newCachedThreadPool());
            server.start();
            toClose.add(this);
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        int count(String suffix) {
            synchronized (requests) {
                return requests.entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
                        .mapToInt(Map.Entry::getValue).sum();
            }
        }

        int maxPerFile() {
            synchronized (requests) {
                return requests.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aFullyCachedGraphIsFetchedNotBuiltAndEachFileAskedForOnce() throws Exception {
        CacheServer http = new CacheServer(cache, Nar.INTACT);
        LocalStore b = open("b");
        Map<StorePath, Realiser.Outcome> r = realiser(b, caches(trusted(), Duration.ofSeconds(30), http.url()))
                .realise(List.of(app));
        assertTrue(r.get(app).succeeded());
        assertEquals(List.of("substituted app from " + http.url()), events, "its inputs are not even looked at");
        assertEquals("hello from a fixed-output fetch\n", Files.readString(b.realPath(out(app)).resolve("data")));
        assertTrue(b.isValid(out(dep)) && b.isValid(out(fetch)), "the closure came with it");
        assertEquals(Set.of(out(dep)), b.query(out(app)).orElseThrow().references());
        assertEquals(3, http.count(".narinfo"));
        assertEquals(1, http.maxPerFile(), "asked whether it has app, then fetched it: one narinfo request "
                + http.requests);
        events.clear();
        realiser(b, caches(trusted(), Duration.ofSeconds(30), http.url())).realise(List.of(app));
        assertEquals(List.of("fresh app"), events);
    }

    /**
     * What {@code neverSubstitute} accepts is built even though a trusted cache holds it, and the cache is not even
     * asked about it; its inputs are still fetched (how {@code crabstore test} treats test runs by default).
     */
    @Test
    void aDerivationNeverSubstitutedIsBuiltFromItsFetchedInputs() throws Exception {
        CacheServer http = new CacheServer(cache, Nar.INTACT);
        LocalStore b = open("b");
        Map<StorePath, Realiser.Outcome> r = realiser(b, caches(trusted(), Duration.ofSeconds(30), http.url()))
                .neverSubstitute(d -> d.name().equals("app")).realise(List.of(app));
        assertTrue(r.get(app).succeeded(), r.get(app).error().orElse(""));
        assertEquals(List.of("substituted dep from " + http.url(), "built app"), events);
        assertEquals("hello from a fixed-output fetch\n", Files.readString(b.realPath(out(app)).resolve("data")));
        String appNarinfo = out(app).hashPart() + ".narinfo";
        assertFalse(http.requests.containsKey(appNarinfo), "app's narinfo was asked for: " + http.requests);
    }

    @Test
    void aTruncatedOrCorruptNarMakesTheNextCacheDeliverIt() throws Exception {
        for (Nar bad : List.of(Nar.TRUNCATED, Nar.CORRUPT)) {
            events.clear();
            CacheServer broken = new CacheServer(cache, bad);
            LocalStore b = open("b-" + bad);
            Substituters s = caches(trusted(), Duration.ofSeconds(30), broken.url(), "file://" + cache);
            assertTrue(realiser(b, s).realise(List.of(app)).get(app).succeeded());
            assertEquals(List.of("substituted app from file://" + cache), events, bad.toString());
            assertTrue(broken.count(".nar.xz") > 0);
            // Alone, the broken cache makes the realiser build, and say why.
            events.clear();
            LocalStore c = open("c-" + bad);
            assertTrue(realiser(c, caches(trusted(), Duration.ofSeconds(30), broken.url())).realise(List.of(app))
                    .get(app).succeeded());
            String why = events.stream().filter(e -> e.startsWith("cannot substitute app: ")).findFirst()
                    .orElseThrow(() -> new AssertionError(events.toString()));
            assertTrue(why.contains(broken.url()), why);
            assertTrue(events.contains("built app"), events.toString());
            assertFalse(events.stream().anyMatch(e -> e.startsWith("failed")), events.toString());
            try (Stream<Path> tmp = Files.list(c.scratchRoot())) {
                assertEquals(0, tmp.count(), "what was unpacked is cleaned up");
            }
        }
    }

    @Test
    void aStalledTransferTimesOutAndTheUnitIsBuilt() throws Exception {
        CacheServer stalled = new CacheServer(cache, Nar.STALLED);
        LocalStore b = open("b");
        long t0 = System.nanoTime();
        Map<StorePath, Realiser.Outcome> r = realiser(b, caches(trusted(), Duration.ofSeconds(1), stalled.url()))
                .realise(List.of(app));
        assertTrue(r.get(app).succeeded(), r.get(app).error().orElse(""));
        assertTrue(events.stream().anyMatch(e -> e.startsWith("cannot substitute app: ") && e.contains("1 s")),
                events.toString());
        assertTrue(events.contains("built app") && events.contains("built dep"), events.toString());
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "not the server's pace");
    }

    @Test
    void anUntrustedCacheIsNotUsedAndSaysSo() {
        LocalStore b = open("b");
        TrustedKeys other = TrustedKeys.parse(SecretKey.generate("other-1", new SecureRandom()).toPublicKey()
                .toString());
        assertTrue(realiser(b, caches(other, Duration.ofSeconds(30), "file://" + cache)).realise(List.of(app))
                .get(app).succeeded());
        assertEquals(List.of("built dep", "built app"), events.subList(events.size() - 2, events.size()));
        assertTrue(events.stream().noneMatch(e -> e.startsWith("substituted dep") || e.startsWith("substituted app")),
                events.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("not signed by a trusted key")), warnings.toString());
    }

    @Test
    void aFixedOutputFetchIsSubstitutedWithoutASignatureWhenItsSourceIsGone() throws Exception {
        Files.delete(source);
        LocalStore b = open("b");
        // No trusted key: only the content-addressed fetch can be taken; dep and app are built from it.
        Map<StorePath, Realiser.Outcome> r = realiser(b, caches(TrustedKeys.parse(""), Duration.ofSeconds(30),
                "file://" + cache)).realise(List.of(app));
        assertTrue(r.get(app).succeeded(), events.toString());
        assertEquals(List.of("substituted greeting.txt from file://" + cache, "built dep", "built app"), events);
    }

    @Test
    void aReferenceMissingFromOneCacheComesFromAnother() throws Exception {
        Path onlyApp = dir.resolve("only-app");
        Path onlyRest = dir.resolve("only-rest");
        copyTree(cache, onlyApp);
        copyTree(cache, onlyRest);
        Files.delete(onlyApp.resolve(out(dep).hashPart() + ".narinfo"));
        Files.delete(onlyRest.resolve(out(app).hashPart() + ".narinfo"));
        LocalStore b = open("b");
        assertTrue(realiser(b, caches(trusted(), Duration.ofSeconds(30), "file://" + onlyApp, "file://" + onlyRest))
                .realise(List.of(app)).get(app).succeeded());
        assertEquals(List.of("substituted app from file://" + onlyApp), events);
        assertTrue(b.isValid(out(dep)));
    }

    @Test
    void aDryRunAsksForNarinfosOnlyChangesNothingAndIsWhatRealiseDoes() throws Exception {
        CacheServer http = new CacheServer(cache, Nar.INTACT);
        Path withoutApp = dir.resolve("without-app");
        copyTree(cache, withoutApp);
        Files.delete(withoutApp.resolve(out(app).hashPart() + ".narinfo"));
        LocalStore b = open("b");
        Substituters trustedCaches = caches(trusted(), Duration.ofSeconds(30), "file://" + withoutApp, http.url());
        RealisePlan plan = RealisePlan.decide(List.of(app), drvs::get, b::isValid, trustedCaches);
        // app from the first cache that has it; its inputs are not asked about, as realise does not ask.
        assertEquals(Map.of(app, http.url()), plan.toSubstitute());
        assertEquals(Set.of(), plan.toBuild());
        assertEquals(List.of(app), plan.order());
        synchronized (http.requests) {
            assertEquals(Set.of("nix-cache-info", out(app).hashPart() + ".narinfo"), http.requests.keySet(),
                    "one narinfo, no NAR");
            assertEquals(1, http.maxPerFile());
        }
        assertFalse(b.isValid(out(app)) || b.isValid(out(dep)) || b.isValid(out(fetch)), "nothing was fetched");
        assertEquals(List.of(), events);

        // Untrusted: only the content-addressed fetch can be taken; dep and app would be built, in that order.
        TrustedKeys other = TrustedKeys.parse(SecretKey.generate("other-1", new SecureRandom()).toPublicKey()
                .toString());
        Substituters untrusted = caches(other, Duration.ofSeconds(30), "file://" + cache);
        RealisePlan local = RealisePlan.decide(List.of(app), drvs::get, b::isValid, untrusted);
        assertEquals(Map.of(fetch, "file://" + cache), local.toSubstitute());
        assertEquals(Set.of(dep, app), local.toBuild());
        assertEquals(List.of(fetch, dep, app), local.order());
        assertEquals(Set.of(), local.valid());
        assertFalse(b.isValid(out(fetch)));
        assertTrue(realiser(b, untrusted).realise(List.of(app)).get(app).succeeded(), events.toString());
        assertEquals(List.of("substituted greeting.txt from file://" + cache, "built dep", "built app"), events);
        RealisePlan done = RealisePlan.decide(List.of(app), drvs::get, b::isValid, untrusted);
        assertEquals(List.of(app), done.order());
        assertEquals(Set.of(app), done.valid());
        assertTrue(done.toBuild().isEmpty() && done.toSubstitute().isEmpty());
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
