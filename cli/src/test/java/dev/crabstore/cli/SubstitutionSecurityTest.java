package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a binary cache can do wrong during {@code crabstore build}, each served by an in-test HTTP server in front of
 * a good signed cache (store A's outputs, pushed with {@code copy --to --sign}) that changes one answer: for each, the
 * build into an empty store B still succeeds by building locally, a warning says why, and store B holds nothing of
 * the bad answer (the faulty path is absent, or built locally with the right contents). Each comment names the check
 * in the code that catches the fault; without it, the build would substitute (and the test fail).
 *
 * <p>The untrusted key, a flipped byte in a NAR and HTTP 500 are in {@link SubstitutionTest}.
 */
class SubstitutionSecurityTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    static final String HELLO = "-hello-1.0.0-bin-hello";

    @TempDir
    static Path shared;
    static SecretKey key;
    static Path cache;
    /** The narinfo of hello's binary, as the good cache holds it. */
    static NarInfo hello;
    static String helloNarinfoName;

    @TempDir
    Path dir;
    HttpServer server;
    ExecutorService handlers;
    /** Released when the test ends, so that hanging handlers return. */
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeAll
    static void fillACache() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        key = SecretKey.generate("crab-cache-1", new SecureRandom());
        Path keyFile = Files.writeString(shared.resolve("key.sec"), key.toString());
        cache = shared.resolve("cache");
        Path a = shared.resolve("a");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), a);
        Map<String, String> env = baseEnv(shared.resolve("home-a"), shared.resolve("config-a"));
        CliRun.run(new byte[0], env, "build", "--dir", a.toString(), "--offline").assertOk();
        CliRun.run(new byte[0], env, "copy", "--to", "file://" + cache, "--sign", keyFile.toString(), "--all")
                .assertOk();
        try (Stream<Path> s = Files.list(cache)) {
            Path p = s.filter(f -> f.toString().endsWith(".narinfo")).filter(f -> read(f).contains(HELLO + "\n"))
                    .findFirst().orElseThrow();
            helloNarinfoName = p.getFileName().toString();
            hello = NarInfo.parse(read(p), SD, p.toString());
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Map<String, String> baseEnv(Path home, Path config) {
        Map<String, String> env = CliRun.envWithHome(home);
        env.remove("CRABSTORE_SUBSTITUTERS");
        env.remove("CRABSTORE_TRUSTED_PUBLIC_KEYS");
        env.put("XDG_CONFIG_HOME", config.toString());
        return env;
    }

    @AfterEach
    void stopServing() {
        release.countDown();
        if (server != null) {
            server.stop(0);
            handlers.shutdownNow();
        }
    }

    /** How the server answers one request; false: as the good cache would. */
    @FunctionalInterface
    interface Fault {
        boolean answer(String path, HttpExchange ex) throws Exception;
    }

    /** Serves {@link #cache} over HTTP on 127.0.0.1, with {@code fault} deciding first. */
    String serve(Fault fault) throws IOException {
        handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "faulty-cache");
            t.setDaemon(true);
            return t;
        });
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                String p = ex.getRequestURI().getPath().substring(1);
                if (!fault.answer(p, ex)) {
                    Path f = cache.resolve(p).normalize();
                    boolean there = f.startsWith(cache) && Files.isRegularFile(f);
                    respond(ex, there ? 200 : 404, there ? Files.readAllBytes(f) : new byte[0]);
                }
            } catch (Exception e) {
                // The client gave up (a hang it timed out on), or the test ended.
            }
        });
        server.setExecutor(handlers);
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Hello's narinfo with {@code lie} applied to what it says, signed anew by the trusted key. */
    static String resigned(UnaryOperator<PathInfo> lie) {
        PathInfo i = lie.apply(hello.info());
        PathInfo unsigned = new PathInfo(i.path(), i.narHash(), i.narSize(), i.references(), i.deriver(),
                new TreeSet<>(), i.contentAddress(), 0);
        return new NarInfo(unsigned, hello.url(), hello.compression(), hello.fileHash(), hello.fileSize(),
                hello.system()).sign(key, SD).render(SD);
    }

    /** A fault that answers hello's narinfo with {@code text}. */
    static Fault helloNarinfo(String text) {
        return (p, ex) -> {
            if (!p.equals(helloNarinfoName)) {
                return false;
            }
            respond(ex, 200, text.getBytes(StandardCharsets.UTF_8));
            return true;
        };
    }

    static byte[] helloNar() throws IOException {
        return Files.readAllBytes(cache.resolve(hello.url()));
    }

    /** Builds a fresh checkout into the empty store {@code home} from {@code url}; it must succeed and run. */
    CliRun buildFrom(String url, String home) throws Exception {
        Path ws = dir.resolve("ws-" + home);
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        Map<String, String> env = env(home);
        env.put("CRABSTORE_SUBSTITUTERS", url);
        env.put("CRABSTORE_TRUSTED_PUBLIC_KEYS", key.toPublicKey().toString());
        CliRun r = CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        Process p = new ProcessBuilder(ws.resolve("target/debug/hello").toString(), "crab").start();
        assertTrue(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("HELLO, CRAB"));
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return r;
    }

    Map<String, String> env(String home) {
        return baseEnv(dir.resolve(home), dir.resolve("config"));
    }

    /** Gives caches {@code seconds} to answer, in the user's config file. */
    void timeout(int seconds) throws IOException {
        Files.createDirectories(dir.resolve("config/crabstore"));
        Files.writeString(dir.resolve("config/crabstore/config.toml"), "stalled-download-timeout = " + seconds + "\n");
    }

    /** How many units the build says it built. */
    static int built(CliRun r) {
        Matcher m = Pattern.compile(": (\\d+) built, ").matcher(r.stderr());
        assertTrue(m.find(), r.stderr());
        return Integer.parseInt(m.group(1));
    }

    /**
     * Hello's binary in store {@code home} was built there, not fetched, and its contents are the right ones (the
     * same NAR hash as in store A, whose cache the faulty server garbled).
     */
    void assertHelloBuiltLocally(String home, CliRun r) {
        assertTrue(built(r) >= 1, r.stderr());
        CliRun info = CliRun.run(new byte[0], env(home), "store", "path-info", "--json", SD.print(hello.path()))
                .assertOk();
        assertTrue(info.out().contains("\"how\":\"built\""), info.out());
        assertFalse(info.out().contains("\"how\":\"substituted\""), info.out());
        assertTrue(info.out().contains("\"narHash\":\"" + hello.info().narHash().toSri() + "\""), info.out());
    }

    @Test
    void anUnsignedNarinfoIsNotUsed() throws Exception {
        // Caught by NarInfo.isTrusted in Substituters.lookup (no signature, not content-addressed).
        String unsigned = Arrays.stream(Files.readString(cache.resolve(helloNarinfoName)).split("\n"))
                .filter(l -> !l.startsWith("Sig: ")).map(l -> l + "\n").reduce("", String::concat);
        assertFalse(unsigned.contains("Sig:"));
        CliRun r = buildFrom(serve(helloNarinfo(unsigned)), "b");
        assertTrue(r.stderr().contains("has paths not signed by a trusted key (e.g. " + SD.print(hello.path())),
                r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b", r);
    }

    @Test
    void aNarHashThatLiesIsCaughtWhileTheNarStreams() throws Exception {
        // Signed by the trusted key, so only BinaryCache.fetch's comparison of the streamed NAR's hash with the
        // narinfo's NarHash can catch it.
        Hash other = Hash.sha256("not hello's NAR");
        String lying = resigned(i -> new PathInfo(i.path(), other, i.narSize(), i.references(), i.deriver(),
                i.signatures(), i.contentAddress(), 0));
        CliRun r = buildFrom(serve(helloNarinfo(lying)), "b");
        assertTrue(r.stderr().contains("warning: cannot substitute hello-1.0.0-bin-hello, building it: "), r.stderr());
        assertTrue(r.stderr().contains("hash mismatch importing " + SD.print(hello.path())), r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b", r);
    }

    @Test
    void aNarSizeThatLiesEitherWayIsCaught() throws Exception {
        long size = hello.info().narSize();
        // Larger than the NAR: BinaryCache.fetch compares the streamed byte count with NarSize.
        String larger = resigned(i -> new PathInfo(i.path(), i.narHash(), size + 1, i.references(), i.deriver(),
                i.signatures(), i.contentAddress(), 0));
        CliRun r = buildFrom(serve(helloNarinfo(larger)), "b1");
        assertTrue(r.stderr().contains("hash mismatch importing " + SD.print(hello.path())) && r.stderr().contains(
                "(" + (size + 1) + " bytes), got "), r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b1", r);
        stopServing();
        // Smaller: BinaryCache.HashingInputStream refuses to read past NarSize, so a lying server cannot fill the disk
        // (without it, the byte count comparison would catch it after the whole NAR was unpacked).
        String smaller = resigned(i -> new PathInfo(i.path(), i.narHash(), size - 1, i.references(), i.deriver(),
                i.signatures(), i.contentAddress(), 0));
        r = buildFrom(serve(helloNarinfo(smaller)), "b2");
        assertTrue(r.stderr().contains("the NAR is larger than its narinfo says (" + (size - 1) + " bytes)"),
                r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b2", r);
    }

    @Test
    void aTruncatedDownloadIsRefused() throws Exception {
        byte[] nar = helloNar();
        byte[] half = Arrays.copyOf(nar, nar.length / 2);
        // Half the file, then a clean end (chunked, so HTTP cannot tell): the decompressor or NarRestorer finds the
        // archive cut short, and BinaryCache.fetch registers nothing.
        CliRun r = buildFrom(serve((p, ex) -> {
            if (!p.equals(hello.url())) {
                return false;
            }
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write(half);
            ex.getResponseBody().close();
            return true;
        }), "b1");
        assertTrue(r.stderr().contains("warning: cannot substitute hello-1.0.0-bin-hello, building it: "), r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b1", r);
        stopServing();
        // Half the promised Content-Length, then the connection closes: the HTTP client fails the read
        // (a TransportException from BinaryCache.fetch).
        r = buildFrom(serve((p, ex) -> {
            if (!p.equals(hello.url())) {
                return false;
            }
            ex.sendResponseHeaders(200, nar.length);
            ex.getResponseBody().write(half);
            ex.getResponseBody().flush();
            throw new IOException("cut off");
        }), "b2");
        assertTrue(r.stderr().contains("warning: cannot substitute hello-1.0.0-bin-hello, building it: "), r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b2", r);
    }

    @Test
    void aNarinfoWhoseReferencesAreMissingIsNotFetched() throws Exception {
        // Substituters.Fetch.plan needs a trusted narinfo for every path of the closure before fetching any NAR
        // (without it, BinaryCache.fetch would still refuse to register a path whose references are not valid, with
        // another message, after downloading the NAR).
        StorePath absent = StorePath.parseBaseName("0a1b2c3d4f5g6h7i8j9kalbmcndpfqgr-not-in-any-cache");
        String lying = resigned(i -> {
            TreeSet<StorePath> refs = new TreeSet<>(i.references());
            refs.add(absent);
            return new PathInfo(i.path(), i.narHash(), i.narSize(), refs, i.deriver(), i.signatures(),
                    i.contentAddress(), 0);
        });
        CliRun r = buildFrom(serve(helloNarinfo(lying)), "b");
        assertTrue(r.stderr().contains("no substituter has " + SD.print(absent) + ", a reference of "
                + SD.print(hello.path())), r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b", r);
        assertFalse(Files.exists(dir.resolve("b/store/" + absent.baseName())));
        assertNotEquals(0, CliRun.run(new byte[0], env("b"), "store", "path-info", SD.print(absent)).exitCode(),
                "the reference is not valid in store B");
    }

    @Test
    void aCacheOrANarinfoForAnotherStoreDirIsNotUsed() throws Exception {
        // BinaryCache.readCacheInfo refuses a nix-cache-info with another StoreDir: the cache is skipped.
        CliRun r = buildFrom(serve((p, ex) -> {
            if (!p.equals("nix-cache-info")) {
                return false;
            }
            respond(ex, 200, "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n".getBytes(
                    StandardCharsets.UTF_8));
            return true;
        }), "b1");
        assertTrue(r.stderr().contains("is not usable and is skipped: binary cache ") && r.stderr().contains(
                "is for stores with prefix '/nix/store', not '/crabstore/store'"), r.stderr());
        assertTrue(r.stderr().contains(": 5 built, 0 fresh"), r.stderr());
        assertHelloBuiltLocally("b1", r);
        stopServing();
        // A narinfo whose StorePath is under /nix/store (validly signed for that store): NarInfo.parse refuses a
        // path outside the client's store dir.
        StoreDir nix = new StoreDir("/nix/store");
        PathInfo i = hello.info();
        String forNix = new NarInfo(new PathInfo(i.path(), i.narHash(), i.narSize(), i.references(), i.deriver(),
                new TreeSet<>(), i.contentAddress(), 0), hello.url(), hello.compression(), hello.fileHash(),
                hello.fileSize(), hello.system()).sign(key, nix).render(nix);
        assertTrue(forNix.contains("StorePath: /nix/store/"));
        r = buildFrom(serve(helloNarinfo(forNix)), "b2");
        assertTrue(r.stderr().contains("warning: substituter http://127.0.0.1:") && r.stderr().contains("/nix/store"),
                r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b2", r);
    }

    @Test
    void aServerThatHangsTimesOut() throws Exception {
        // HttpTransport's request timeout (stalled-download-timeout): no answer to hello's narinfo.
        timeout(2);
        long start = System.nanoTime();
        CliRun r = buildFrom(serve((p, ex) -> {
            if (!p.equals(helloNarinfoName)) {
                return false;
            }
            release.await();
            return true;
        }), "b1");
        assertTrue(r.stderr().contains("warning: substituter http://127.0.0.1:") && r.stderr().contains("failed ("),
                r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b1", r);
        // Well under the default of 30 s: the configured timeout counts.
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(25), "the timeout was short");
        stopServing();
        // HttpTransport.StallGuard: the NAR's headers and half its bytes, then nothing.
        byte[] nar = helloNar();
        CountDownLatch released = new CountDownLatch(1);
        start = System.nanoTime();
        r = buildFrom(serve((p, ex) -> {
            if (!p.equals(hello.url())) {
                return false;
            }
            ex.sendResponseHeaders(200, nar.length);
            ex.getResponseBody().write(nar, 0, nar.length / 2);
            ex.getResponseBody().flush();
            released.await();
            return true;
        }), "b2");
        released.countDown();
        assertTrue(r.stderr().contains("warning: cannot substitute hello-1.0.0-bin-hello, building it: ")
                && r.stderr().contains(" for 2 s"), r.stderr());
        assertEquals(1, built(r), r.stderr());
        assertHelloBuiltLocally("b2", r);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(25), "the timeout was short");
    }
}
