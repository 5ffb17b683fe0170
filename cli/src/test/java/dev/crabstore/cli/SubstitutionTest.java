package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.NixOracle;
import dev.crabstore.testkit.Tools;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code crabstore build} with substituters: a build whose outputs a signed cache holds builds nothing; an untrusted,
 * corrupt or failing cache makes it build what it cannot fetch, and say so.
 */
class SubstitutionTest {
    @TempDir
    Path dir;
    SecretKey key;
    Path keyFile;
    Path cache;

    @BeforeEach
    void fillACache() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        key = SecretKey.generate("crab-cache-1", new SecureRandom());
        keyFile = Files.writeString(dir.resolve("key.sec"), key.toString());
        cache = dir.resolve("cache");
        Path a = checkout("a");
        CliRun.run(new byte[0], env("home-a"), "build", "--dir", a.toString(), "--offline").assertOk();
        CliRun.run(new byte[0], env("home-a"), "copy", "--to", "file://" + cache, "--sign", keyFile.toString(), "--all")
                .assertOk();
    }

    Path checkout(String name) throws Exception {
        Path ws = dir.resolve(name);
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        return ws;
    }

    Map<String, String> env(String home) {
        Map<String, String> env = CliRun.envWithHome(dir.resolve(home));
        env.remove("CRABSTORE_SUBSTITUTERS");
        env.remove("CRABSTORE_TRUSTED_PUBLIC_KEYS");
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        return env;
    }

    CliRun buildFrom(String url, String trusted, String home) throws Exception {
        return buildFrom(url, trusted, home, Map.of());
    }

    CliRun buildFrom(String url, String trusted, String home, Map<String, String> extraEnv) throws Exception {
        Path b = checkout("b-" + home);
        Map<String, String> env = env(home);
        env.putAll(extraEnv);
        env.put("CRABSTORE_SUBSTITUTERS", url);
        env.put("CRABSTORE_TRUSTED_PUBLIC_KEYS", trusted);
        CliRun r = CliRun.run(new byte[0], env, "build", "--dir", b.toString(), "--offline").assertOk();
        Process p = new ProcessBuilder(b.resolve("target/debug/hello").toString(), "crab").start();
        assertTrue(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("HELLO, CRAB"));
        return r;
    }

    @Test
    void aFullyCachedBuildBuildsNothing() throws Exception {
        CliRun r = buildFrom("file://" + cache, key.toPublicKey().toString(), "b", Map.of("CRABSTORE_PROGRESS",
                "always"));
        assertTrue(r.stderr().contains(": 0 built, 3 substituted ("), r.stderr());
        assertTrue(r.stderr().contains(" Substituted hello v1.0.0"), r.stderr());
        assertFalse(r.stderr().contains("Compiling"), r.stderr());
        assertTrue(r.stderr().matches("(?s).*Building \\[=*>? *\\] \\d+/\\d+ \\(3 fetched, [0-9.]+ [KM]iB\\).*"),
                r.stderr());
        // Provenance: the store records where the binary came from.
        String out = dir.resolve("b-b/target/debug/hello").toRealPath().getParent().getFileName().toString();
        CliRun info = CliRun.run(new byte[0], env("b"), "store", "path-info", "--json", "/crabstore/store/" + out)
                .assertOk();
        assertTrue(info.out().contains("\"how\":\"substituted\"") && info.out().contains("\"from\":\"file://"
                + cache), info.out());
        // Again: nothing to do, and the summary counts the fetched units as fresh.
        Map<String, String> env = env("b");
        env.put("CRABSTORE_SUBSTITUTERS", "file://" + cache);
        env.put("CRABSTORE_TRUSTED_PUBLIC_KEYS", key.toPublicKey().toString());
        CliRun again = CliRun.run(new byte[0], env, "build", "--dir", dir.resolve("b-b").toString(), "--offline")
                .assertOk();
        assertTrue(again.stderr().contains(": 0 built, 5 fresh"), again.stderr());
    }

    /**
     * A workspace member fetched from a cache warns as if it had been built here (cargo shows a member's warnings on
     * every build): its log travels in the cache as Nix's build logs do, and real Nix reads it there. A log a cache
     * altered to send terminal control sequences is not shown; the build goes on.
     */
    @Test
    void aMembersWarningsComeWithItFromTheCache() throws Exception {
        String warning = "\npub fn unused_binding() { let zz = 3; }\n";
        Path w = checkout("w");
        Path lib = w.resolve("greet/src/lib.rs");
        Files.writeString(lib, Files.readString(lib) + warning);
        CliRun built = CliRun.run(new byte[0], env("home-w"), "build", "--dir", w.toString(), "--offline")
                .assertOk();
        assertTrue(built.stderr().contains("unused variable: `zz`"), built.stderr());
        Path withLogs = dir.resolve("cache-with-logs");
        CliRun.run(new byte[0], env("home-w"), "copy", "--to", "file://" + withLogs, "--sign", keyFile.toString(),
                "--all").assertOk();
        List<Path> logs;
        try (Stream<Path> s = Files.list(withLogs.resolve("log"))) {
            logs = s.toList();
        }
        assertEquals(1, logs.size(), "only greet's lib reported anything: " + logs);
        Path log = logs.get(0);
        assertTrue(log.getFileName().toString().matches("[0-9a-z]{32}-greet-0\\.2\\.0\\.drv"),
                log.toString());

        Path b = checkout("w-b");
        Map<String, String> env = warnedCheckoutFetching(b, "home-w-b", warning, withLogs);
        CliRun fetched = CliRun.run(new byte[0], env, "build", "--dir", b.toString(), "--offline").assertOk();
        assertTrue(fetched.stderr().contains(": 0 built, 3 substituted ("), fetched.stderr());
        assertTrue(fetched.stderr().contains("unused variable: `zz`")
                && fetched.stderr().contains("warning: `greet` (lib) generated 1 warning"), fetched.stderr());
        // Kept here now: an unchanged build replays them as for a unit built here.
        Files.writeString(b.resolve("hello/src/main.rs"), Files.readString(b.resolve("hello/src/main.rs")) + "\n");
        CliRun again = CliRun.run(new byte[0], env, "build", "--dir", b.toString(), "--offline").assertOk();
        assertTrue(again.stderr().contains("warning: `greet` (lib) generated 1 warning"), again.stderr());

        if (Tools.onPath("nix") || Tools.inCi()) {
            NixOracle nix = NixOracle.create(dir.resolve("nix"));
            String drv = "/crabstore/store/" + log.getFileName();
            String shown = nix.runOkText("nix", "log", "--store", "file://" + withLogs + "?store=/crabstore/store",
                    drv);
            assertTrue(shown.contains("unused variable: `zz`"), shown);
        }

        String text = Files.readString(log);
        Files.writeString(log, text.replace("\"rendered\":\"", "\"rendered\":\"\\u001b]0;owned\\u0007"));
        Path c = checkout("w-c");
        Map<String, String> envC = warnedCheckoutFetching(c, "home-w-c", warning, withLogs);
        CliRun altered = CliRun.run(new byte[0], envC, "build", "--dir", c.toString(), "--offline").assertOk();
        assertTrue(altered.stderr().contains(": 0 built, 3 substituted ("), altered.stderr());
        assertFalse(altered.stderr().contains("owned") || altered.stderr().contains("unused variable"),
                altered.stderr());
    }

    /** {@code ws} with greet's lib given {@code warning}, and the environment of a store fetching from {@code cache}. */
    Map<String, String> warnedCheckoutFetching(Path ws, String home, String warning, Path cache) throws Exception {
        Path lib = ws.resolve("greet/src/lib.rs");
        Files.writeString(lib, Files.readString(lib) + warning);
        Map<String, String> env = env(home);
        env.put("CRABSTORE_SUBSTITUTERS", "file://" + cache);
        env.put("CRABSTORE_TRUSTED_PUBLIC_KEYS", key.toPublicKey().toString());
        return env;
    }

    @Test
    void realiseFetchesADerivationsOutputsInsteadOfBuildingThem() throws Exception {
        CliRun plan = CliRun.run(new byte[0], env("home-a"), "plan", "--dir", dir.resolve("a").toString(),
                "--offline", "--format", "json").assertOk();
        JsonNode json = JsonMapper.builder().build().readTree(plan.out());
        JsonNode bin = json.get("units").get(json.get("roots").get(0).asInt());
        String drv = bin.get("drvPath").asString();
        Map<String, String> env = env("c");
        // The .drv is text, content-addressed: copied from the cache without a trusted key.
        CliRun.run(new byte[0], env, "copy", "--from", "file://" + cache, drv).assertOk();
        CliRun r = CliRun.run(new byte[0], env, "realise", "--substituters", "file://" + cache,
                "--trusted-public-keys", key.toPublicKey().toString(), drv).assertOk();
        assertEquals(bin.get("outPath").asString(), r.out().strip());
        assertTrue(r.stderr().contains("copying outputs of '" + drv + "' from 'file://" + cache + "'"), r.stderr());
        assertFalse(r.stderr().contains("building"), r.stderr());
    }

    @Test
    void buildPushUploadsWhatItBuiltOnceSignedWithTheConfiguredKey() throws Exception {
        Path pushed = dir.resolve("pushed");
        Map<String, String> env = env("home-a");
        env.put("CRABSTORE_SECRET_KEY_FILES", keyFile.toString());
        String[] args = {"build", "--dir", dir.resolve("a").toString(), "--offline", "--push", "file://" + pushed};
        CliRun first = CliRun.run(new byte[0], env, args).assertOk();
        assertTrue(first.stderr().matches("(?s).*Pushed [1-9][0-9]* paths to file://.*"), first.stderr());
        assertFalse(first.stderr().contains("(unsigned)"), first.stderr());
        CliRun second = CliRun.run(new byte[0], env, args).assertOk();
        assertTrue(second.stderr().contains("Pushed 0 paths to file://" + pushed), second.stderr());
        CliRun r = buildFrom("file://" + pushed, key.toPublicKey().toString(), "b");
        assertTrue(r.stderr().contains(": 0 built, 3 substituted ("), r.stderr());
    }

    @Test
    void theConfigFileNamesTheCacheAndTheKey() throws Exception {
        Path b = checkout("b");
        Files.createDirectories(dir.resolve("config/crabstore"));
        Files.writeString(dir.resolve("config/crabstore/config.toml"), "substituters = [\"file://" + dir.resolve(
                "empty-cache") + "\"]\ntrusted-public-keys = [\"" + key.toPublicKey() + "\"]\n");
        // The project's file names the cache; the key comes from the user's file.
        Files.writeString(b.resolve(".crabstore.toml"), "substituters = \"file://" + cache + "?priority=10\"\n");
        CliRun r = CliRun.run(new byte[0], env("b"), "build", "--dir", b.toString(), "--offline").assertOk();
        assertTrue(r.stderr().contains(": 0 built, 3 substituted ("), r.stderr());
        Files.delete(b.resolve(".crabstore.toml"));
        // The store key moves the store home when CRABSTORE_HOME is not set.
        Map<String, String> noHome = env("unused");
        noHome.remove("CRABSTORE_HOME");
        Files.writeString(dir.resolve("config/crabstore/config.toml"), "store = \"" + dir.resolve("configured-home")
                + "\"\n");
        CliRun.run(new byte[0], noHome, "build", "--dir", b.toString(), "--offline", "--no-substitute").assertOk();
        assertTrue(Files.isDirectory(dir.resolve("configured-home/store")));
        Files.writeString(dir.resolve("config/crabstore/config.toml"), "substituter = []\n");
        CliRun bad = CliRun.run(new byte[0], env("b"), "build", "--dir", b.toString(), "--offline");
        assertEquals(2, bad.exitCode(), bad.stderr());
        assertTrue(bad.stderr().contains("config.toml: unknown setting 'substituter'"), bad.stderr());
    }

    @Test
    void anUntrustedCacheIsNotUsedAndTheBuildSaysSo() throws Exception {
        String other = SecretKey.generate("other-1", new SecureRandom()).toPublicKey().toString();
        CliRun r = buildFrom("file://" + cache, other, "b");
        assertTrue(r.stderr().contains("not signed by a trusted key"), r.stderr());
        assertTrue(r.stderr().contains(": 5 built, 0 fresh"), r.stderr());
    }

    @Test
    void aCorruptNarIsRefusedAndTheUnitBuilt() throws Exception {
        // Corrupt the NAR of hello's binary: its narinfo names it.
        String narinfo;
        try (Stream<Path> s = Files.list(cache)) {
            narinfo = s.filter(p -> p.toString().endsWith(".narinfo")).map(p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).filter(t -> t.contains("-hello-1.0.0-bin-hello\n")).findFirst().orElseThrow();
        }
        String url = narinfo.lines().filter(l -> l.startsWith("URL: ")).findFirst().orElseThrow().substring(5);
        Path nar = cache.resolve(url);
        byte[] bytes = Files.readAllBytes(nar);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(nar, bytes);
        CliRun r = buildFrom("file://" + cache, key.toPublicKey().toString(), "b");
        assertTrue(r.stderr().contains("warning: cannot substitute hello-1.0.0-bin-hello, building it"), r.stderr());
        assertTrue(r.stderr().contains(": 1 built, 2 substituted ("), r.stderr());
    }

    @Test
    void anHttpCacheThatFailsForOnePathFallsBackForThatPath() throws Exception {
        AtomicReference<String> failing = new AtomicReference<>("-hello-1.0.0-bin-hello");
        List<String> requests = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath().substring(1);
            synchronized (requests) {
                requests.add(p);
            }
            Path f = cache.resolve(p);
            byte[] body = Files.isRegularFile(f) && !p.contains("..") ? Files.readAllBytes(f) : null;
            int status = body == null ? 404 : 200;
            if (body != null && p.endsWith(".narinfo")
                    && new String(body, StandardCharsets.UTF_8).contains(failing.get() + "\n")) {
                status = 500;
                body = null;
            }
            ex.sendResponseHeaders(status, body == null ? -1 : body.length);
            if (body != null) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        try {
            CliRun r = buildFrom("http://127.0.0.1:" + server.getAddress().getPort(), key.toPublicKey().toString(),
                    "b");
            assertTrue(r.stderr().contains("warning: substituter http://127.0.0.1:") && r.stderr().contains("failed"),
                    r.stderr());
            // greet's build-script run is substituted by itself, or comes with greet's closure first (then fresh):
            // the two run at once.
            assertTrue(r.stderr().matches("(?s).*: 1 built, [23] substituted \\(.*"), r.stderr());
        } finally {
            server.stop(0);
        }
    }

    /** A cache real Nix wrote (from its own store with our store dir, re-signed with its key) is substituted. */
    @Test
    void aCacheNixWroteIsSubstituted() throws Exception {
        Tools.require("nix");
        NixOracle nix = NixOracle.create(dir.resolve("nix"));
        String nixKey = nix.runOkText("nix", "key", "generate-secret", "--key-name", "nix-cache-1");
        Path nixKeyFile = Files.writeString(dir.resolve("nix.sec"), nixKey);
        String nixPub = SecretKey.parse(nixKey).toPublicKey().toString();
        CliRun plan = CliRun.run(new byte[0], env("home-a"), "plan", "--dir", dir.resolve("a").toString(),
                "--offline", "--format", "json").assertOk();
        JsonNode json = JsonMapper.builder().build().readTree(plan.out());
        List<String> outs = new ArrayList<>();
        for (JsonNode r : json.get("roots")) {
            outs.add(json.get("units").get(r.asInt()).get("outPath").asString());
        }
        List<String> toNix = new ArrayList<>(List.of("nix", "copy", "--option", "trusted-public-keys",
                key.toPublicKey().toString(), "--from", "file://" + cache + "?store=/crabstore/store", "--to",
                nix.localStore()));
        toNix.addAll(outs);
        nix.run(toNix.toArray(String[]::new)).assertOk();
        Path nixCache = dir.resolve("nixcache");
        List<String> fromNix = new ArrayList<>(List.of("nix", "copy", "--store", nix.localStore(), "--to", "file://"
                + nixCache + "?store=/crabstore/store&compression=xz&secret-key=" + nixKeyFile));
        fromNix.addAll(outs);
        nix.run(fromNix.toArray(String[]::new)).assertOk();
        CliRun r = buildFrom("file://" + nixCache, nixPub, "b");
        assertTrue(r.stderr().contains(": 0 built, 3 substituted ("), r.stderr());
    }
}
