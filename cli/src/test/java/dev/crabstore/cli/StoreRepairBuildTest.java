package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code store verify --repair} of build outputs of the example workspace: from a signed cache, by rebuilding a
 * reproducible unit in the sandbox (its damaged inputs first), and not at all for a unit that is not reproducible or a
 * source nothing can bring back.
 */
class StoreRepairBuildTest {
    @TempDir
    Path dir;
    Map<String, String> env;
    Path store;

    @BeforeEach
    void setUp() {
        Tools.require("bwrap");
        Tools.require("cargo");
        env = CliRun.envWithHome(dir.resolve("home"));
        env.remove("CRABSTORE_SUBSTITUTERS");
        env.remove("CRABSTORE_TRUSTED_PUBLIC_KEYS");
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        store = dir.resolve("home/store");
    }

    CliRun crabstore(String... args) {
        return CliRun.run(new byte[0], env, args);
    }

    Path real(String storePath) {
        return store.resolve(storePath.substring(storePath.lastIndexOf('/') + 1));
    }

    /** Builds a workspace and returns its plan: "package target mode" and "source package" to store paths. */
    Map<String, String> build(Path ws) throws Exception {
        crabstore("build", "--dir", ws.toString(), "--offline").assertOk();
        JsonNode plan = JsonMapper.builder().build().readTree(crabstore("plan", "--dir", ws.toString(), "--offline",
                "--format", "json").assertOk().out());
        Map<String, String> out = new HashMap<>();
        for (JsonNode u : plan.get("units")) {
            String key = u.get("package").asString() + " " + u.get("target").asString() + " " + u.get("mode")
                    .asString();
            out.put(key, u.get("outPath").asString());
            out.put(key + " drv", u.get("drvPath").asString());
        }
        for (JsonNode s : plan.get("sources")) {
            String id = s.get("pkgId").asString();
            out.put("source " + id.substring(id.lastIndexOf('/') + 1, id.indexOf('#')), s.get("path").asString());
        }
        return out;
    }

    Map<String, String> buildExample() throws Exception {
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        return build(ws);
    }

    /** The first regular file (in name order) of a store path. */
    static Path someFile(Path root) throws Exception {
        try (var s = Files.walk(root)) {
            return s.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).sorted().findFirst().orElseThrow();
        }
    }

    String runHello() throws Exception {
        Process p = new ProcessBuilder(dir.resolve("ws/target/debug/hello").toString(), "crab").start();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aCorruptOutputIsFetchedFromASignedCacheOrRebuiltWhenTheCacheIsNotTrusted() throws Exception {
        Map<String, String> plan = buildExample();
        String greet = plan.get("greet greet build");
        SecretKey key = SecretKey.generate("crab-cache-1", new SecureRandom());
        Path keyFile = Files.writeString(dir.resolve("key.sec"), key.toString());
        String cache = "file://" + dir.resolve("cache");
        crabstore("copy", "--to", cache, "--sign", keyFile.toString(), "--all").assertOk();

        StoreRepairCommandTest.flipAByte(someFile(real(greet)));
        CliRun found = crabstore("store", "verify", "--check-contents");
        assertEquals(1, found.exitCode());
        assertTrue(found.out().contains("corrupt: " + greet), found.out());

        // Signed by a key nobody trusts: not fetched; the unit is reproducible, so the rebuild repairs it.
        String otherKey = SecretKey.generate("other-1", new SecureRandom()).toPublicKey().toString();
        CliRun untrusted = crabstore("store", "verify", "--check-contents", "--repair", "--substituters", cache,
                "--trusted-public-keys", otherKey);
        assertEquals(0, untrusted.exitCode(), untrusted.out() + untrusted.stderr());
        assertTrue(untrusted.out().contains("repaired corrupt: " + greet + ": rebuilt from "
                + plan.get("greet greet build drv")), untrusted.out());
        assertTrue(crabstore("store", "verify", "--check-contents").assertOk().stderr().contains("no problems"));

        StoreRepairCommandTest.flipAByte(someFile(real(greet)));
        CliRun fetched = crabstore("store", "verify", "--check-contents", "--repair", "--substituters", cache,
                "--trusted-public-keys", key.toPublicKey().toString()).assertOk();
        assertTrue(fetched.out().contains("repaired corrupt: " + greet + ": fetched from " + cache), fetched.out());
        assertFalse(fetched.stderr().contains("building"), fetched.stderr());
        assertTrue(crabstore("store", "verify", "--check-contents").assertOk().stderr().contains("no problems"));
        assertTrue(runHello().contains("HELLO, CRAB"));
    }

    @Test
    void withoutASubstituterDamagedOutputsAreRebuiltInputsFirst() throws Exception {
        Map<String, String> plan = buildExample();
        String greet = plan.get("greet greet build");
        String run = plan.get("greet build-script-build run-custom-build");
        String hello = plan.get("hello hello build");
        StoreRepairCommandTest.flipAByte(someFile(real(greet)));
        StoreRepairCommandTest.deleteTree(real(hello));
        // The build script's run output is an input of the greet lib: it is repaired before the lib is rebuilt.
        StoreRepairCommandTest.deleteTree(real(run));

        CliRun r = crabstore("store", "verify", "--check-contents", "--repair", "--no-substitute");
        assertEquals(0, r.exitCode(), r.out() + r.stderr());
        assertTrue(r.out().contains("repaired corrupt: " + greet + ": rebuilt from " + plan.get("greet greet build drv")),
                r.out());
        assertTrue(r.out().contains("repaired missing: " + hello + ": rebuilt from " + plan.get("hello hello build drv")),
                r.out());
        assertTrue(r.out().contains("repaired missing: " + run + ": rebuilt from "), r.out());
        assertTrue(r.stderr().contains("repaired 3 of 3 problems"), r.stderr());
        assertTrue(r.stderr().indexOf("building '" + plan.get("greet build-script-build run-custom-build drv"))
                < r.stderr().indexOf("building '" + plan.get("greet greet build drv")), r.stderr());
        assertTrue(crabstore("store", "verify", "--check-contents").assertOk().stderr().contains("no problems"));
        assertTrue(runHello().contains("HELLO, CRAB"));
        assertTrue(crabstore("store", "path-info", "--json", hello).assertOk().out()
                .contains("\"repairedBy\":\"rebuilt from " + plan.get("hello hello build drv") + "\""));
    }

    @Test
    void aMissingSourceThatDerivationsReferToIsReportedAndKept() throws Exception {
        Map<String, String> plan = buildExample();
        String source = plan.get("source greet");
        StoreRepairCommandTest.deleteTree(real(source));
        CliRun r = crabstore("store", "verify", "--repair");
        assertEquals(1, r.exitCode(), r.out() + r.stderr());
        assertTrue(r.out().contains("cannot repair missing: " + source + ": no substituters are configured; no "
                + "deriver is recorded for it, so it cannot be rebuilt; its database row is kept: "), r.out());
        assertTrue(r.out().matches("(?s).*\\.drv (and \\d+ more )?refers? to it.*"), r.out());
        assertTrue(r.stderr().contains("1 cannot be repaired"), r.stderr());
        crabstore("store", "path-info", source).assertOk();
    }

    /** A build script that writes the time: its run output differs on every build, so building cannot repair it. */
    @Test
    void anOutputOfAUnitThatIsNotReproducibleCannotBeRepairedByBuilding() throws Exception {
        Path ws = dir.resolve("clock");
        Files.createDirectories(ws.resolve("src"));
        Files.writeString(ws.resolve("Cargo.toml"), """
                [package]
                name = "clock"
                version = "0.1.0"
                edition = "2021"
                """);
        Files.writeString(ws.resolve("build.rs"), """
                use std::time::{SystemTime, UNIX_EPOCH};
                fn main() {
                    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
                    let out = std::env::var("OUT_DIR").unwrap();
                    std::fs::write(format!("{out}/stamp.txt"), t.to_string()).unwrap();
                }
                """);
        Files.writeString(ws.resolve("src/lib.rs"), """
                pub const STAMP: &str = include_str!(concat!(env!("OUT_DIR"), "/stamp.txt"));
                """);
        Map<String, String> plan = build(ws);
        String run = plan.get("clock build-script-build run-custom-build");
        StoreRepairCommandTest.flipAByte(real(run).resolve("out/stamp.txt"));
        byte[] damaged = Files.readAllBytes(real(run).resolve("out/stamp.txt"));
        CliRun r = crabstore("store", "verify", "--check-contents", "--repair", "--no-substitute");
        assertEquals(1, r.exitCode(), r.out() + r.stderr());
        assertTrue(r.out().contains("cannot repair corrupt: " + run + ": no substituters are configured; rebuilding "
                + plan.get("clock build-script-build run-custom-build drv") + " gave NAR hash sha256:"), r.out());
        assertTrue(r.out().contains(": the derivation is not reproducible, so building cannot repair its output"),
                r.out());
        // Nothing was swapped in.
        assertTrue(java.util.Arrays.equals(damaged, Files.readAllBytes(real(run).resolve("out/stamp.txt"))));
        assertTrue(List.of(r.stderr().split("\n")).contains("error: 1 problem of the store cannot be repaired"),
                r.stderr());
    }
}
