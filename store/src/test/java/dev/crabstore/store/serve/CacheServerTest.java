package dev.crabstore.store.serve;

import static dev.crabstore.store.serve.ServedStores.SD;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.PublicKey;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.build.DiagnosticLogs;
import dev.crabstore.store.build.Diagnostics;
import dev.crabstore.store.cache.BinaryCache;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.cache.transport.HttpTransport;
import dev.crabstore.store.cache.transport.TransportException;
import dev.crabstore.store.local.LocalStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** crabstore serve's server against real HTTP clients on 127.0.0.1: crabstore's own transport and raw sockets. */
class CacheServerTest {
    static final String TOKEN = "t0ken-for-tests-0123456789";

    @TempDir
    Path dir;

    LocalStore store;
    StorePath text;
    StorePath out;
    SecretKey key;
    final List<AutoCloseable> toClose = new ArrayList<>();
    final List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        store = ServedStores.open(dir.resolve("server"));
        text = ServedStores.addText(store, "greeting.txt", "hello from the served store\n");
        out = ServedStores.addOutput(store, "tool-1.0", text);
        key = SecretKey.generate("serve-test-1", new SecureRandom());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        store.close();
    }

    CacheServer serve(Compression compression, Optional<BearerToken> token) {
        CacheServer s = CacheServer.start(new java.net.InetSocketAddress("127.0.0.1", 0),
                CacheContents.forStore(store, Optional.of(key), compression), token, Optional.of(requests::add),
                errors::add);
        toClose.add(s);
        return s;
    }

    HttpTransport client(CacheServer s, Optional<String> token) {
        HttpTransport t = new HttpTransport(URI.create(s.url()), Duration.ofSeconds(30), token);
        toClose.add(t);
        return t;
    }

    LocalStore otherStore(String name) {
        LocalStore other = ServedStores.open(dir.resolve(name));
        toClose.add(other);
        return other;
    }

    TrustedKeys trusting(SecretKey k) {
        return new TrustedKeys(List.of(PublicKey.parse(k.toPublicKey().toString())));
    }

    static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aClientCopiesAClosureAndChecksTheServersSignature() {
        for (Compression c : List.of(Compression.ZSTD, Compression.XZ, Compression.NONE)) {
            CacheServer s = serve(c, Optional.empty());
            LocalStore client = otherStore("client-" + c);
            BinaryCache cache = new BinaryCache(client(s, Optional.empty()), SD);
            assertEquals(SD.path(), cache.cacheInfo().storeDir().orElseThrow());
            // Not trusting the server's key: the input-addressed path is refused.
            SecretKey other = SecretKey.generate("other-1", new SecureRandom());
            assertThrows(BinaryCache.RejectedException.class, () -> cache.download(client, out, trusting(other)));
            assertEquals(List.of(text, out), cache.download(client, out, trusting(key)), c.toString());
            assertEquals(store.query(out).orElseThrow().narHash(), client.query(out).orElseThrow().narHash());
            assertEquals(Set.of(text), client.query(out).orElseThrow().references());
            NarInfo info = cache.narInfo(out).orElseThrow();
            assertEquals(c.nixName(), info.compression());
            assertTrue(info.isTrusted(trusting(key), SD));
        }
        assertEquals(List.of(), errors);
    }

    @Test
    void narinfoAndNarAgreeAndTheNarIsCompressedOnce() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.empty());
        String url = s.url() + "/" + out.hashPart() + ".narinfo";
        HttpResponse<byte[]> first = send(HttpRequest.newBuilder(URI.create(url)));
        assertEquals(200, first.statusCode());
        assertEquals("text/x-nix-narinfo", first.headers().firstValue("Content-Type").orElseThrow());
        String text1 = new String(first.body(), StandardCharsets.UTF_8);
        assertArrayEquals(first.body(), send(HttpRequest.newBuilder(URI.create(url))).body(), "stable");
        NarInfo info = NarInfo.parse(text1, SD, url);
        HttpResponse<byte[]> nar = send(HttpRequest.newBuilder(URI.create(s.url() + "/" + info.url())));
        assertEquals(200, nar.statusCode());
        assertEquals(info.fileSize().getAsLong(), nar.body().length);
        assertEquals(String.valueOf(nar.body().length), nar.headers().firstValue("Content-Length").orElseThrow());
        assertEquals(info.fileHash().orElseThrow(), Hash.sha256(nar.body()));
        byte[] raw = Compression.ZSTD.decompress(new java.io.ByteArrayInputStream(nar.body())).readAllBytes();
        assertEquals(store.query(out).orElseThrow().narHash(), Hash.sha256(raw));
        try (Stream<Path> files = Files.list(dir.resolve("server/var/serve/nar-cache/nar"))) {
            assertEquals(1, files.count());
        }
        // The NAR cache may be deleted at any time: the next narinfo request makes the NAR again.
        Path narFile = dir.resolve("server/var/serve/nar-cache/" + info.url());
        Files.delete(narFile);
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(s.url() + "/" + info.url()))).statusCode());
        assertArrayEquals(first.body(), send(HttpRequest.newBuilder(URI.create(url))).body());
        assertArrayEquals(nar.body(), send(HttpRequest.newBuilder(URI.create(s.url() + "/" + info.url()))).body());
    }

    @Test
    void uncompressedNarsAreDumpedFromTheStoreAsTheyAreSent() throws Exception {
        CacheServer s = serve(Compression.NONE, Optional.empty());
        NarInfo info = new BinaryCache(client(s, Optional.empty()), SD).narInfo(out).orElseThrow();
        PathInfo pi = store.query(out).orElseThrow();
        assertEquals("nar/" + out.hashPart() + "-" + pi.narHash().toNix32() + ".nar", info.url());
        assertEquals(pi.narHash(), info.fileHash().orElseThrow());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        store.dumpPath(out, expected);
        HttpResponse<byte[]> nar = send(HttpRequest.newBuilder(URI.create(s.url() + "/" + info.url())));
        assertArrayEquals(expected.toByteArray(), nar.body());
        // A stale name (another NAR hash) is not served.
        String stale = "nar/" + out.hashPart() + "-" + Hash.sha256("x").toNix32() + ".nar";
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(s.url() + "/" + stale))).statusCode());
        try (Stream<Path> files = Files.list(dir.resolve("server/var/serve/nar-cache/nar"))) {
            assertEquals(0, files.count(), "nothing stored for compression none");
        }
    }

    @Test
    void missingThingsAre404() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.empty());
        String absent = "0".repeat(32);
        for (String p : List.of("/" + absent + ".narinfo", "/nar/" + absent + ".nar.zst", "/foo", "/",
                "/" + absent + ".ls", "/log/x.drv")) {
            assertEquals(404, send(HttpRequest.newBuilder(URI.create(s.url() + p))).statusCode(), p);
        }
    }

    @Test
    void headAnswersLikeGetWithoutABody() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.empty());
        HttpClient c = HttpClient.newHttpClient();
        HttpResponse<byte[]> info = c.send(HttpRequest.newBuilder(URI.create(s.url() + "/nix-cache-info"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, info.statusCode());
        assertEquals(0, info.body().length);
        String cacheInfo = new String(send(HttpRequest.newBuilder(URI.create(s.url() + "/nix-cache-info"))).body(),
                StandardCharsets.UTF_8);
        assertEquals("StoreDir: /crabstore/store\nWantMassQuery: 1\nPriority: 30\n", cacheInfo);
        assertEquals(String.valueOf(cacheInfo.length()), info.headers().firstValue("Content-Length").orElseThrow());

        HttpTransport t = client(s, Optional.empty());
        assertTrue(t.exists(out.hashPart() + ".narinfo"));
        assertFalse(t.exists("0".repeat(32) + ".narinfo"));
        assertFalse(t.exists("nar/nothing.nar.zst"));
        NarInfo n = new BinaryCache(t, SD).narInfo(out).orElseThrow();
        HttpResponse<byte[]> nar = c.send(HttpRequest.newBuilder(URI.create(s.url() + "/" + n.url()))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, nar.statusCode());
        assertEquals(String.valueOf(n.fileSize().getAsLong()), nar.headers().firstValue("Content-Length")
                .orElseThrow());
    }

    @Test
    void pushWithTheRightTokenIsServedBackAndAThirdStoreFetchesIt() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.of(BearerToken.of(TOKEN, "test")));
        LocalStore pusher = otherStore("pusher");
        StorePath dep = ServedStores.addText(pusher, "dep.txt", "only the pusher has this\n");
        StorePath pushed = ServedStores.addOutput(pusher, "pushed-2.0", dep);
        SecretKey pusherKey = SecretKey.generate("pusher-1", new SecureRandom());
        BinaryCache up = new BinaryCache(client(s, Optional.of(TOKEN)), SD);
        // The server has nothing of it, so both paths go up.
        assertEquals(List.of(dep, pushed), up.upload(pusher, Set.of(pushed), Optional.of(pusherKey),
                Compression.XZ));
        // Paths the server has in its store are not uploaded again.
        pusher.close();
        assertTrue(Files.isRegularFile(dir.resolve("server/var/serve/pushed/" + pushed.hashPart() + ".narinfo")));

        LocalStore third = otherStore("third");
        BinaryCache down = new BinaryCache(client(s, Optional.empty()), SD);
        NarInfo served = down.narInfo(pushed).orElseThrow();
        assertEquals("xz", served.compression(), "the pushed narinfo, as pushed");
        assertTrue(served.isTrusted(trusting(pusherKey), SD));
        assertEquals(List.of(dep, pushed), down.download(third, pushed, trusting(pusherKey)));
        // Local paths are still served beside the pushed ones.
        assertEquals(List.of(text, out), down.download(third, out, trusting(key)));
        assertEquals(List.of(), errors);
    }

    /** A unit's kept diagnostics are its build log: served as Nix's {@code log/<drv>}, pushed with its outputs. */
    @Test
    void buildLogsAreServedAndPushedWithTheirOutputs() throws Exception {
        String warning = "{\"$message_type\":\"diagnostic\",\"message\":\"unused variable: `zz`\",\"level\":"
                + "\"warning\",\"rendered\":\"warning: unused variable: `zz`\\n\"}\n";
        StorePath drv = ServedStores.addText(store, "tool-1.0.drv", "Derive([])");
        new DiagnosticLogs(store.home().logDir()).write(drv, Diagnostics.parse(warning));
        CacheServer s = serve(Compression.ZSTD, Optional.of(BearerToken.of(TOKEN, "test")));
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(s.url() + "/log/" + drv.baseName())));
        assertEquals(200, r.statusCode());
        assertEquals(warning, new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("text/plain; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(s.url() + "/log/" + text.hashPart()
                + "-other.drv"))).statusCode());

        LocalStore pusher = otherStore("pusher");
        StorePath pusherDrv = ServedStores.addText(pusher, "pushed-2.0.drv", "Derive([1])");
        new DiagnosticLogs(pusher.home().logDir()).write(pusherDrv, Diagnostics.parse(warning.replace("zz", "yy")));
        StorePath dep = ServedStores.addText(pusher, "dep.txt", "only the pusher has this\n");
        StorePath pushed = ServedStores.addOutput(pusher, "pushed-2.0", dep, Optional.of(pusherDrv));
        new BinaryCache(client(s, Optional.of(TOKEN)), SD).upload(pusher, Set.of(pushed), Optional.of(key),
                Compression.XZ);
        BinaryCache down = new BinaryCache(client(s, Optional.empty()), SD);
        assertEquals(Optional.of(warning.replace("zz", "yy")), down.buildLog(pusherDrv));
        assertEquals(Optional.empty(), down.buildLog(ServedStores.addText(pusher, "none.drv", "x")));
        assertEquals(List.of(), errors);
    }

    @Test
    void uploadsNeedTheToken() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.of(BearerToken.of(TOKEN, "test")));
        LocalStore pusher = otherStore("pusher");
        StorePath p = ServedStores.addText(pusher, "x.txt", "x\n");
        TransportException none = assertThrows(TransportException.class,
                () -> new BinaryCache(client(s, Optional.empty()), SD).upload(pusher, Set.of(p), Optional.empty(),
                        Compression.ZSTD));
        assertTrue(none.getMessage().contains("HTTP 401"), none.getMessage());
        TransportException wrong = assertThrows(TransportException.class,
                () -> new BinaryCache(client(s, Optional.of(TOKEN + "x")), SD).upload(pusher, Set.of(p),
                        Optional.empty(), Compression.ZSTD));
        assertTrue(wrong.getMessage().contains("HTTP 403"), wrong.getMessage());
        String narinfo = "/" + p.hashPart() + ".narinfo";
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(s.url() + narinfo))
                .PUT(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(401, r.statusCode());
        assertEquals("Bearer realm=\"crabstore\"", r.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals(401, send(HttpRequest.newBuilder(URI.create(s.url() + narinfo))
                .header("Authorization", "Basic " + TOKEN).PUT(HttpRequest.BodyPublishers.ofString("x")))
                .statusCode(), "a non-bearer scheme counts as missing");
        assertFalse(Files.exists(dir.resolve("server/var/serve/pushed/" + p.hashPart() + ".narinfo")));
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(s.url() + narinfo))).statusCode());
    }

    @Test
    void withoutAllowPushEveryUploadIsForbidden() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.empty());
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(s.url() + "/nar/x.nar"))
                .header("Authorization", "Bearer " + TOKEN).PUT(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(403, r.statusCode());
        assertFalse(Files.exists(dir.resolve("server/var/serve/pushed/nar/x.nar")));
    }

    @Test
    void malformedOrMisplacedUploadsAreRefused() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.of(BearerToken.of(TOKEN, "test")));
        String good = CacheContents.forStore(store, Optional.empty(), Compression.NONE).narInfo(
                store.query(out).orElseThrow()).render(SD);
        String auth = "Bearer " + TOKEN;
        // Under another path's hash part.
        String other = "/" + text.hashPart() + ".narinfo";
        assertEquals(400, send(HttpRequest.newBuilder(URI.create(s.url() + other)).header("Authorization", auth)
                .PUT(HttpRequest.BodyPublishers.ofString(good))).statusCode());
        assertEquals(400, send(HttpRequest.newBuilder(URI.create(s.url() + "/" + out.hashPart() + ".narinfo"))
                .header("Authorization", auth).PUT(HttpRequest.BodyPublishers.ofString("garbage\n"))).statusCode());
        assertEquals(400, send(HttpRequest.newBuilder(URI.create(s.url() + "/nix-cache-info"))
                .header("Authorization", auth).PUT(HttpRequest.BodyPublishers.ofString("StoreDir: /nix/store\n")))
                .statusCode());
        assertEquals(400, send(HttpRequest.newBuilder(URI.create(s.url() + "/log/foo.drv"))
                .header("Authorization", auth).PUT(HttpRequest.BodyPublishers.ofString("log"))).statusCode());
        assertEquals(413, send(HttpRequest.newBuilder(URI.create(s.url() + "/" + out.hashPart() + ".narinfo"))
                .header("Authorization", auth).PUT(HttpRequest.BodyPublishers.ofByteArray(
                        new byte[(int) PushArea.MAX_TEXT + 1]))).statusCode());
        try (Stream<Path> files = Files.list(dir.resolve("server/var/serve/pushed"))) {
            assertEquals(List.of("nar"), files.map(p -> p.getFileName().toString()).toList());
        }
        // The right one is accepted.
        assertEquals(201, send(HttpRequest.newBuilder(URI.create(s.url() + "/" + out.hashPart() + ".narinfo"))
                .header("Authorization", auth).PUT(HttpRequest.BodyPublishers.ofString(good))).statusCode());
        assertEquals(201, send(HttpRequest.newBuilder(URI.create(s.url() + "/nix-cache-info"))
                .header("Authorization", auth).PUT(HttpRequest.BodyPublishers.ofString(
                        "StoreDir: /crabstore/store\nPriority: 10\n"))).statusCode());
        assertTrue(new String(send(HttpRequest.newBuilder(URI.create(s.url() + "/nix-cache-info"))).body(),
                StandardCharsets.UTF_8).contains("Priority: 10"));
    }

    /** A narinfo is accepted only once the NAR it names is there and matches it; a NAR must hash to its name. */
    @Test
    void uploadsWhoseContentDoesNotMatchTheNarinfoAreRefused() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.of(BearerToken.of(TOKEN, "test")));
        LocalStore pusher = otherStore("pusher");
        StorePath p = ServedStores.addText(pusher, "pushed.txt", "only the pusher has this, and it is long enough\n");
        Path files = dir.resolve("files");
        new BinaryCache(new dev.crabstore.store.cache.transport.FileTransport(files), SD).upload(pusher, Set.of(p),
                Optional.of(key), Compression.XZ);
        String name = "/" + p.hashPart() + ".narinfo";
        String text = Files.readString(files.resolve(name.substring(1)));
        NarInfo good = NarInfo.parse(text, SD, "good");
        byte[] nar = Files.readAllBytes(files.resolve(good.url()));
        String auth = "Bearer " + TOKEN;
        java.util.function.BiFunction<String, byte[], HttpResponse<byte[]>> put = (path, body) -> {
            try {
                return send(HttpRequest.newBuilder(URI.create(s.url() + path)).header("Authorization", auth)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        java.util.function.Function<NarInfo, byte[]> render = n -> n.render(SD).getBytes(StandardCharsets.UTF_8);
        // The narinfo before its NAR.
        HttpResponse<byte[]> r = put.apply(name, text.getBytes(StandardCharsets.UTF_8));
        assertEquals(400, r.statusCode());
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("upload the NAR first"));
        // A NAR named after a file hash that is not its own.
        byte[] flipped = nar.clone();
        flipped[flipped.length / 2] ^= 1;
        r = put.apply("/" + good.url(), flipped);
        assertEquals(400, r.statusCode());
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("is named after the sha256"));
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(s.url() + "/" + good.url()))).statusCode());
        // Other bytes under a name that is no hash are stored, but no narinfo naming them verifies.
        String other = "nar/other.nar.xz";
        assertEquals(201, put.apply("/" + other, flipped).statusCode());
        PathInfo i = good.info();
        Hash wrongHash = Hash.sha256("something else");
        List<NarInfo> lies = List.of(
                new NarInfo(i, other, "xz", good.fileHash(), good.fileSize(), good.system()),
                new NarInfo(i, other, "xz", Optional.empty(), java.util.OptionalLong.empty(), good.system()),
                new NarInfo(i, good.url(), "xz", Optional.of(wrongHash), good.fileSize(), good.system()),
                new NarInfo(i, good.url(), "xz", good.fileHash(), java.util.OptionalLong.of(nar.length + 1),
                        good.system()),
                new NarInfo(new PathInfo(p, wrongHash, i.narSize(), i.references(), i.deriver(), i.signatures(),
                        i.contentAddress(), 0), good.url(), "xz", good.fileHash(), good.fileSize(), good.system()),
                new NarInfo(new PathInfo(p, i.narHash(), i.narSize() - 8, i.references(), i.deriver(),
                        i.signatures(), i.contentAddress(), 0), good.url(), "xz", good.fileHash(), good.fileSize(),
                        good.system()),
                new NarInfo(new PathInfo(p, i.narHash(), i.narSize() + 8, i.references(), i.deriver(),
                        i.signatures(), i.contentAddress(), 0), good.url(), "xz", good.fileHash(), good.fileSize(),
                        good.system()),
                new NarInfo(i, good.url(), "zstd", good.fileHash(), good.fileSize(), good.system()),
                new NarInfo(i, "nix-cache-info", "xz", good.fileHash(), good.fileSize(), good.system()));
        assertEquals(201, put.apply("/" + good.url(), nar).statusCode());
        for (NarInfo lie : lies) {
            r = put.apply(name, render.apply(lie));
            assertEquals(400, r.statusCode(), lie.render(SD) + new String(r.body(), StandardCharsets.UTF_8));
            assertEquals(404, send(HttpRequest.newBuilder(URI.create(s.url() + name))).statusCode());
        }
        // The true one is accepted, and a third store fetches the path.
        assertEquals(201, put.apply(name, text.getBytes(StandardCharsets.UTF_8)).statusCode());
        LocalStore third = otherStore("third");
        assertEquals(List.of(p), new BinaryCache(client(s, Optional.empty()), SD).download(third, p, trusting(key)));
        try (Stream<Path> tmp = Files.list(dir.resolve("server/var/serve/tmp"))) {
            assertEquals(0, tmp.count(), "no temporary file is left");
        }
        assertEquals(List.of(), errors);
    }

    @Test
    void anUploadThatBreaksOffLeavesNothing() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.of(BearerToken.of(TOKEN, "test")));
        String head = "PUT /nar/broken.nar.zst HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Length: 1000000\r\n\r\n";
        ServedStores.rawStatus(s.address(), head, new byte[100_000], true);
        // Give the server time to see the connection close.
        for (int i = 0; i < 50 && requests.stream().noneMatch(r -> r.contains("broken")); i++) {
            Thread.sleep(100);
        }
        assertTrue(requests.stream().anyMatch(r -> r.contains("/nar/broken.nar.zst") && r.contains("broke off")),
                requests.toString());
        assertFalse(Files.exists(dir.resolve("server/var/serve/pushed/nar/broken.nar.zst")));
        try (Stream<Path> tmp = Files.list(dir.resolve("server/var/serve/tmp"))) {
            assertEquals(0, tmp.count(), "the temporary file is gone");
        }
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(s.url() + "/nar/broken.nar.zst"))).statusCode());
    }

    @Test
    void traversalIsRefusedWith400() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.of(BearerToken.of(TOKEN, "test")));
        Files.writeString(dir.resolve("server/var/serve/secret"), "secret");
        for (String p : List.of("/../secret", "/nar/../../secret", "/nar/..%2f..%2fsecret", "/%2e%2e/secret",
                "//etc/passwd", "/nar/./x.nar", "/nar\\..\\x.nar", "/nar//x.nar")) {
            assertEquals(400, ServedStores.rawStatus(s.address(), "GET " + p + " HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n", new byte[0], false), p);
            assertEquals(400, ServedStores.rawStatus(s.address(), "PUT " + p + " HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nContent-Length: 1\r\nConnection: close\r\n\r\n",
                    new byte[] {'x'}, false), p);
        }
        assertEquals("secret", Files.readString(dir.resolve("server/var/serve/secret")));
    }

    @Test
    void otherMethodsAre405() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.of(BearerToken.of(TOKEN, "test")));
        for (String m : List.of("DELETE", "POST", "PATCH", "OPTIONS")) {
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(s.url() + "/nix-cache-info"))
                    .header("Authorization", "Bearer " + TOKEN).method(m, HttpRequest.BodyPublishers.noBody()));
            assertEquals(405, r.statusCode(), m);
            assertEquals("GET, HEAD, PUT", r.headers().firstValue("Allow").orElseThrow());
        }
    }

    @Test
    void sixtyFourConcurrentClientsGetTheirNarinfos() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.empty());
        List<StorePath> paths = new ArrayList<>(List.of(text, out));
        for (int i = 0; i < 6; i++) {
            paths.add(ServedStores.addText(store, "n" + i + ".txt", "number " + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < 64; c++) {
                int client = c;
                results.add(pool.submit((Callable<Integer>) () -> {
                    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    int ok = 0;
                    for (int i = 0; i < 20; i++) {
                        StorePath p = paths.get((client + i) % paths.size());
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.url() + "/"
                                + p.hashPart() + ".narinfo")).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200 && NarInfo.parse(r.body(), SD, "x").path().equals(p)) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(20, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), errors);
        // Each path was compressed once, however many asked at the same time.
        try (Stream<Path> files = Files.list(dir.resolve("server/var/serve/nar-cache/nar"))) {
            assertEquals(paths.size(), files.count());
        }
    }

    @Test
    void requestsAreLoggedOneLineEach() throws Exception {
        CacheServer s = serve(Compression.ZSTD, Optional.empty());
        send(HttpRequest.newBuilder(URI.create(s.url() + "/nix-cache-info")));
        send(HttpRequest.newBuilder(URI.create(s.url() + "/" + "0".repeat(32) + ".narinfo")));
        // The line is written once the exchange is closed, just after the client has its answer.
        for (int i = 0; i < 50 && requests.size() < 2; i++) {
            Thread.sleep(20);
        }
        assertEquals(2, requests.size(), requests.toString());
        assertTrue(requests.get(0).startsWith("127.0.0.1 GET /nix-cache-info 200 "), requests.get(0));
        assertTrue(requests.get(1).contains(" 404 "), requests.get(1));
    }
}
