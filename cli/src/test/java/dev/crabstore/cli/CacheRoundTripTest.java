package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.serve.BearerToken;
import dev.crabstore.store.serve.CacheContents;
import dev.crabstore.store.serve.CacheServer;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.S3Proxy;
import dev.crabstore.testkit.Tools;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a corpus workspace: built on store A and pushed to a cache (`crabstore serve` with an upload token,
 * or S3 on s3proxy), then built on an empty store B with only that substituter: every unit is substituted, nothing
 * is compiled, and the binary is byte-identical to A's.
 */
@Tag("slow")
class CacheRoundTripTest {
    static final String TOKEN = "crab-token-0123456789abcdef";
    @TempDir
    Path dir;

    Map<String, String> env(String home) {
        Map<String, String> env = CliRun.envWithHome(dir.resolve(home));
        env.remove("CRABSTORE_SUBSTITUTERS");
        env.remove("CRABSTORE_TRUSTED_PUBLIC_KEYS");
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        return env;
    }

    void roundTrip(String url, Map<String, String> extraEnv) throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        SecretKey key = SecretKey.generate("crab-cache-1", new SecureRandom());
        Path keyFile = Files.writeString(dir.resolve("key.sec"), key.toString());
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        BuildCommandTest.copyTree(Corpus.workspace("small"), a);
        BuildCommandTest.copyTree(Corpus.workspace("small"), b);
        Map<String, String> envA = env("home-a");
        envA.putAll(extraEnv);
        CliRun built = CliRun.run(new byte[0], envA, "build", "--dir", a.toString(), "--offline", "--locked", "--push",
                url, "--sign", keyFile.toString()).assertOk();
        assertTrue(built.stderr().contains("Pushed "), built.stderr());
        Map<String, String> envB = env("home-b");
        envB.putAll(extraEnv);
        envB.put("CRABSTORE_SUBSTITUTERS", url);
        envB.put("CRABSTORE_TRUSTED_PUBLIC_KEYS", key.toPublicKey().toString());
        CliRun fetched = CliRun.run(new byte[0], envB, "build", "--dir", b.toString(), "--offline", "--locked")
                .assertOk();
        assertTrue(fetched.stderr().matches("(?s).*: 0 built, \\d+ substituted \\(.*"), fetched.stderr());
        assertTrue(!fetched.stderr().contains("Compiling"), fetched.stderr());
        assertArrayEquals(Files.readAllBytes(a.resolve("target/debug/minigrep")),
                Files.readAllBytes(b.resolve("target/debug/minigrep")));
    }

    @Test
    void throughCrabstoreServe() throws Exception {
        try (LocalStore served = LocalStore.open(StoreHome.fromEnvironment(env("home-serve")), Clock.systemUTC());
                CacheServer server = CacheServer.start(new InetSocketAddress("127.0.0.1", 0),
                        CacheContents.forStore(served, Optional.empty(), Compression.parse("zstd")),
                        Optional.of(BearerToken.of(TOKEN, "test")), Optional.empty(), m -> { })) {
            roundTrip(server.url(), Map.of("CRABSTORE_CACHE_TOKEN", TOKEN));
        }
    }

    @Test
    void throughS3() throws Exception {
        try (S3Proxy s3 = S3Proxy.start(dir.resolve("s3"))) {
            Files.createDirectories(dir.resolve("s3/s3data/cache")); // the bucket
            roundTrip("s3://cache/small?endpoint=" + s3.endpoint() + "&region=us-east-1",
                    Map.of("AWS_ACCESS_KEY_ID", S3Proxy.ACCESS, "AWS_SECRET_ACCESS_KEY", S3Proxy.SECRET));
        }
    }
}
