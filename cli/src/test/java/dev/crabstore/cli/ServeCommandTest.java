package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.testkit.TestTrees;
import dev.crabstore.testkit.Tools;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** crabstore serve as a user runs it: its own JVM, crabstore copy as the client, stopped with SIGINT. */
class ServeCommandTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    static final String TOKEN = "push-token-for-the-serve-test-42";

    @TempDir
    Path dir;

    Map<String, String> serverEnv;
    Path keyFile;
    Path tokenFile;
    String publicKey;

    @BeforeEach
    void setUp() throws Exception {
        Tools.require("python3");
        serverEnv = CliRun.envWithHome(dir.resolve("server"));
        keyFile = Files.writeString(dir.resolve("serve.sec"), CliRun.run("key", "generate", "--name", "serve-1")
                .assertOk().out());
        publicKey = CliRun.run(Files.readAllBytes(keyFile), System.getenv(), "key", "public").assertOk().out().strip();
        tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
    }

    Map<String, String> env(String home) {
        Map<String, String> env = CliRun.envWithHome(dir.resolve(home));
        env.remove("CRABSTORE_TRUSTED_PUBLIC_KEYS");
        env.remove("CRABSTORE_CACHE_TOKEN");
        return env;
    }

    @Test
    void servesCopiesAcceptsPushesAndStopsOnSigint() throws Exception {
        Path tree = TestTrees.edgeCases(dir.resolve("tree"));
        String served = CliRun.run(new byte[0], serverEnv, "store", "add", tree.toString()).assertOk().out().strip();
        try (ServeProcess server = ServeProcess.start(serverEnv, "128m", dir.resolve("serve.err"), "--listen",
                "127.0.0.1:0", "--sign", keyFile.toString(), "--allow-push", tokenFile.toString(), "--verbose")) {
            assertTrue(server.url.matches("http://127\\.0\\.0\\.1:[0-9]+"), server.url);
            assertNotEquals("http://127.0.0.1:0", server.url, "the real port is printed");
            // A client copies the served path, checking the server's signature.
            Map<String, String> client = env("client");
            CliRun got = CliRun.run(new byte[0], client, "copy", "--from", server.url, "--trusted-public-keys",
                    publicKey, served).assertOk();
            assertEquals("copied " + served + "\n", got.out());
            JsonMapper m = JsonMapper.builder().build();
            JsonNode theirs = m.readTree(CliRun.run(new byte[0], serverEnv, "store", "path-info", "--json", served)
                    .assertOk().out()).get(0);
            JsonNode ours = m.readTree(CliRun.run(new byte[0], client, "store", "path-info", "--json", served)
                    .assertOk().out()).get(0);
            for (String field : new String[] {"narHash", "narSize", "references", "ca"}) {
                assertEquals(theirs.get(field), ours.get(field), field);
            }
            assertTrue(ours.get("signatures").toString().contains("serve-1:"), ours.toString());

            // Pushing: refused without the token, accepted with it, then served to others.
            Map<String, String> pusher = env("pusher");
            Path other = Files.createDirectories(dir.resolve("other"));
            Files.writeString(other.resolve("f"), "pushed content\n");
            String pushed = CliRun.run(new byte[0], pusher, "store", "add", other.toString()).assertOk().out()
                    .strip();
            CliRun refused = CliRun.run(new byte[0], pusher, "copy", "--to", server.url, pushed);
            assertEquals(1, refused.exitCode(), refused.stderr());
            assertTrue(refused.stderr().contains("HTTP 401"), refused.stderr());
            pusher.put("CRABSTORE_CACHE_TOKEN", TOKEN);
            assertEquals("copied " + pushed + "\n", CliRun.run(new byte[0], pusher, "copy", "--to", server.url,
                    pushed).assertOk().out());
            // The server's own paths are not uploaded again.
            CliRun.run(new byte[0], pusher, "copy", "--from", server.url, "--trusted-public-keys", publicKey,
                    served).assertOk();
            assertEquals("", CliRun.run(new byte[0], pusher, "copy", "--to", server.url, served).assertOk().out());
            assertEquals("copied " + pushed + "\n", CliRun.run(new byte[0], env("third"), "copy", "--from",
                    server.url, pushed).assertOk().out());

            assertEquals(130, server.interrupt(), "killed by SIGINT, after the shutdown hook ran");
            String log = server.stderrText();
            assertTrue(log.contains("GET /nix-cache-info 200 "), log);
            assertTrue(log.contains("PUT /" + pushed.substring(SD.path().length() + 1, SD.path().length() + 33)
                    + ".narinfo 201 "), log);
            assertTrue(log.contains(" 401 "), log);
            assertTrue(!log.contains("error") && !log.contains("Exception"), log);
        }
    }

    @Test
    void quietWithoutVerbose() throws Exception {
        try (ServeProcess server = ServeProcess.start(serverEnv, "64m", dir.resolve("serve.err"), "--listen",
                "127.0.0.1:0")) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url
                    + "/nix-cache-info")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals(130, server.interrupt());
            assertEquals("", server.stderrText());
        }
    }

    @Test
    void badOptionsFailBeforeServing() throws Exception {
        Path shortToken = Files.writeString(dir.resolve("short"), "abc\n");
        assertEquals(2, CliRun.run(new byte[0], serverEnv, "serve", "--listen", "nonsense").exitCode());
        assertEquals(2, CliRun.run(new byte[0], serverEnv, "serve", "--listen", "127.0.0.1:99999").exitCode());
        CliRun r = CliRun.run(new byte[0], serverEnv, "serve", "--listen", "127.0.0.1:0", "--allow-push",
                shortToken.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("at least 16 characters"), r.stderr());
        assertEquals(1, CliRun.run(new byte[0], serverEnv, "serve", "--listen", "127.0.0.1:0", "--sign",
                dir.resolve("missing.sec").toString()).exitCode());
        assertEquals(2, CliRun.run(new byte[0], serverEnv, "serve", "--listen", "127.0.0.1:0", "--compression",
                "lz4").exitCode());
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            CliRun busy = CliRun.run(new byte[0], serverEnv, "serve", "--listen", "127.0.0.1:" + taken.getLocalPort());
            assertEquals(1, busy.exitCode());
            assertTrue(busy.stderr().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), busy.stderr());
        }
    }

    /**
     * A 200 MiB path through a server with a 64 MiB heap: compressed once to the NAR cache and streamed, and dumped
     * from the store while it is sent; the client hashes what arrives.
     */
    @Test
    @Tag("slow")
    void streamsA200MiBPathThroughA64MiBHeap() throws Exception {
        Path big = TestTrees.largeFile(dir.resolve("big/data.bin"), 200L * 1024 * 1024, 7);
        PathInfo info;
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(serverEnv), Clock.systemUTC())) {
            StorePath p = store.addPath(big.getParent(), "big", x -> true);
            info = store.query(p).orElseThrow();
        }
        Files.delete(big);
        try (ServeProcess server = ServeProcess.start(serverEnv, "64m", dir.resolve("serve.err"), "--listen",
                "127.0.0.1:0")) {
            HttpClient http = HttpClient.newHttpClient();
            NarInfo n = NarInfo.parse(http.send(HttpRequest.newBuilder(URI.create(server.url + "/"
                    + info.path().hashPart() + ".narinfo")).build(), HttpResponse.BodyHandlers.ofString()).body(), SD,
                    "served narinfo");
            assertEquals(info.narHash(), n.info().narHash());
            HttpResponse<InputStream> nar = http.send(HttpRequest.newBuilder(URI.create(server.url + "/" + n.url()))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, nar.statusCode());
            HashingOutputStream narHash = HashingOutputStream.discarding(HashAlgorithm.SHA256);
            java.security.MessageDigest fileDigest = HashAlgorithm.SHA256.newDigest();
            long fileSize;
            try (java.security.DigestInputStream in = new java.security.DigestInputStream(nar.body(), fileDigest)) {
                Compression.ZSTD.decompress(in).transferTo(narHash);
                in.transferTo(java.io.OutputStream.nullOutputStream());
                fileSize = Long.parseLong(nar.headers().firstValue("Content-Length").orElseThrow());
            }
            assertEquals(n.fileHash().orElseThrow(), Hash.of(HashAlgorithm.SHA256, fileDigest.digest()));
            assertEquals(n.fileSize().getAsLong(), fileSize);
            assertEquals(info.narHash(), narHash.hash());
            assertEquals(info.narSize(), narHash.count());

            // The same path dumped from the store while it is sent (the URL compression none uses).
            HashingOutputStream live = HashingOutputStream.discarding(HashAlgorithm.SHA256);
            HttpResponse<InputStream> raw = http.send(HttpRequest.newBuilder(URI.create(server.url + "/nar/"
                    + info.path().hashPart() + "-" + info.narHash().toNix32() + ".nar")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(String.valueOf(info.narSize()), raw.headers().firstValue("Content-Length").orElseThrow());
            try (InputStream in = raw.body()) {
                in.transferTo(live);
            }
            assertEquals(info.narHash(), live.hash());
            assertEquals(130, server.interrupt());
            assertTrue(!server.stderrText().contains("OutOfMemoryError"), server.stderrText());
        }
    }
}
