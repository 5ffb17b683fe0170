package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code why-rebuild} and {@code diff} on the corpus workspace {@code medium}, built once: a source edit in a leaf
 * crate, a feature turned off, RUSTFLAGS, and a locked version bumped ({@code cargo update --precise}), each reverted
 * before the next. Every cause is checked with the exact number of units it invalidates, worked out from the new plan's
 * unit graph (the units touched and their reverse-dependency closure), and {@code diff} of the old and new binary must
 * name the same causes.
 */
@Tag("slow")
class WhyRebuildCorpusTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private Map<String, String> env;
    private Path ws;

    @Test
    void eachChangeIsNamedWithTheUnitsItInvalidates() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        Tools.require("tar");
        Path source = Corpus.workspace("medium");
        ws = dir.resolve("ws");
        BuildCommandTest.copyTree(source, ws);
        Path registry = registryWithHex044(Corpus.corpusDir().resolve("registry"), dir.resolve("registry"));
        Path config = ws.resolve(".cargo/config.toml");
        Files.writeString(config, Files.readString(config).replace(Corpus.corpusDir().resolve("registry").toString(),
                registry.toString()));
        env = CorpusBuildTest.baseEnv();
        env.remove("RUSTFLAGS");
        env.remove("CARGO_ENCODED_RUSTFLAGS");
        env.put("CRABSTORE_HOME", dir.resolve("home").toString());
        env.put("CARGO_HOME", dir.resolve("cargo-home").toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        Path oldBin = ws.resolve("target/debug/textkit").toRealPath();
        assertNothingToRebuild(env);

        // 1. A source file of the leaf path crate textkit-util.
        Path lib = ws.resolve("crates/textkit-util/src/lib.rs");
        String original = Files.readString(lib);
        Files.writeString(lib, original + "\n// edited\n");
        UnitPlan plan = UnitPlan.of(env, ws, "--offline");
        assertCauses(env, oldBin, plan, Map.of("src/lib.rs of textkit-util changed", plan.invalidatedBy("textkit-util")));
        Files.writeString(lib, original);
        assertNothingToRebuild(env);

        // 2. A feature: textkit no longer asks for textkit-util's "lazy" (which also drops its once_cell dependency).
        Path manifest = ws.resolve("crates/textkit/Cargo.toml");
        String m = Files.readString(manifest);
        Files.writeString(manifest, m.replace("textkit-util = { path = \"../textkit-util\", features = [\"lazy\"] }",
                "textkit-util = { path = \"../textkit-util\" }"));
        plan = UnitPlan.of(env, ws, "--offline");
        assertCauses(env, oldBin, plan, Map.of("feature \"lazy\" disabled on textkit-util",
                plan.invalidatedBy("textkit-util"), "Cargo.toml of textkit changed", plan.invalidatedBy("textkit")));
        Files.writeString(manifest, m);
        assertNothingToRebuild(env);

        // 3. RUSTFLAGS: without --target they apply to every unit.
        Map<String, String> flags = new HashMap<>(env);
        flags.put("RUSTFLAGS", "--cfg crabstore_why");
        plan = UnitPlan.of(flags, ws, "--offline");
        assertCauses(flags, oldBin, plan, Map.of("RUSTFLAGS changed (\"\" → \"--cfg crabstore_why\")",
                plan.dependentsClosure(u -> true).size()));
        assertNothingToRebuild(env);

        // 4. A locked version: hex 0.4.3 → 0.4.4.
        Path lock = ws.resolve("Cargo.lock");
        String lockText = Files.readString(lock);
        exec(ws, env, "cargo", "update", "-p", "hex", "--precise", "0.4.4", "--offline");
        assertTrue(Files.readString(lock).contains("name = \"hex\"\nversion = \"0.4.4\""));
        plan = UnitPlan.of(env, ws, "--offline");
        assertCauses(env, oldBin, plan, Map.of("hex 0.4.3 → 0.4.4", plan.invalidatedBy("hex")));
        Files.writeString(lock, lockText);
        assertNothingToRebuild(env);
    }

    private void assertNothingToRebuild(Map<String, String> e) {
        String out = CliRun.run(new byte[0], e, "why-rebuild", "--dir", ws.toString(), "--offline").assertOk().out();
        assertTrue(out.startsWith("nothing to rebuild: the outputs of all "), out);
    }

    /** why-rebuild's causes and counts are {@code expected}; diff of the old and new binary names the same causes. */
    private void assertCauses(Map<String, String> e, Path oldBin, UnitPlan plan, Map<String, Integer> expected) {
        CliRun r = CliRun.run(new byte[0], e, "why-rebuild", "--dir", ws.toString(), "--offline", "--json").assertOk();
        Map<String, Integer> causes = new HashMap<>();
        for (JsonNode c : JSON.readTree(r.out()).get("causes")) {
            causes.put(c.get("cause").asString(), c.get("units").size());
        }
        assertEquals(expected, causes, r.out());
        for (Map.Entry<String, Integer> c : expected.entrySet()) {
            assertTrue(c.getValue() > 0, c.toString());
        }
        String newBin = plan.drvPath(u -> u.get("package").asString().equals("textkit-cli"));
        CliRun d = CliRun.run(new byte[0], e, "diff", "--json", oldBin.toString(), newBin).assertOk();
        Set<String> named = new TreeSet<>();
        for (JsonNode c : JSON.readTree(d.out()).get("rootCauses")) {
            c.get("differences").forEach(x -> named.add(x.get("description").asString()));
        }
        assertEquals(new TreeSet<>(expected.keySet()), named, d.out());
    }

    /**
     * A local registry like the corpus's (its index copied, its crates hard-linked) with one more version of hex, 0.4.4:
     * hex 0.4.3's files under the new version, its index line with the new checksum.
     */
    private static Path registryWithHex044(Path corpus, Path out) throws Exception {
        Files.createDirectories(out);
        try (Stream<Path> s = Files.walk(corpus.resolve("index"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path dest = out.resolve(corpus.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
        try (Stream<Path> s = Files.list(corpus)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".crate")).toList()) {
                Path link = out.resolve(p.getFileName().toString());
                try {
                    Files.createLink(link, p); // no copy, and nothing for the temp dir's cleanup to warn about
                } catch (java.io.IOException | UnsupportedOperationException e) {
                    Files.copy(p, link);
                }
            }
        }
        Path work = Files.createDirectories(out.resolveSibling("hex-work"));
        exec(work, Map.of(), "tar", "xzf", corpus.resolve("hex-0.4.3.crate").toString());
        Files.move(work.resolve("hex-0.4.3"), work.resolve("hex-0.4.4"));
        Path toml = work.resolve("hex-0.4.4/Cargo.toml");
        Files.writeString(toml, Files.readString(toml).replace("version = \"0.4.3\"", "version = \"0.4.4\""));
        Path crate = out.resolve("hex-0.4.4.crate");
        exec(work, Map.of(), "tar", "czf", crate.toString(), "hex-0.4.4");
        String sha = Hash.sha256(Files.readAllBytes(crate)).toBase16();
        Path index = out.resolve("index/3/h/hex");
        String line = Files.readAllLines(index, StandardCharsets.UTF_8).get(0);
        assertTrue(line.contains("\"vers\":\"0.4.3\""), line);
        String added = line.replace("\"vers\":\"0.4.3\"", "\"vers\":\"0.4.4\"")
                .replaceFirst("\"cksum\":\"[0-9a-f]{64}\"", "\"cksum\":\"" + sha + "\"");
        Files.writeString(index, line + "\n" + added + "\n");
        return out;
    }

    private static void exec(Path cwd, Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(cmd)).directory(cwd.toFile()).redirectErrorStream(true);
        if (!env.isEmpty()) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }
}
