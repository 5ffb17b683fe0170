package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code crabstore plan} on the small corpus workspace, against cargo's own unit graph. */
class PlanCommandTest {
    @TempDir
    Path tmp;

    private Path copySmall() throws IOException {
        Path src = Corpus.workspace("small");
        Path ws = tmp.resolve("ws");
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path dst = ws.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else if (!src.relativize(p).toString().startsWith("target")) {
                    Files.copy(p, dst);
                }
            }
        }
        return ws;
    }

    private Map<String, String> env() {
        Map<String, String> env = CliRun.envWithHome(tmp.resolve("crabstore-home"));
        env.put("CARGO_HOME", tmp.resolve("cargo-home").toString());
        return env;
    }

    @Test
    void jsonHasOneEntryPerCargoUnit() throws Exception {
        Tools.require("cargo");
        Path ws = copySmall();
        CliRun r = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--locked",
                "--format", "json").assertOk();
        JsonNode root = JsonMapper.builder().build().readTree(r.out());
        // cargo's own count for the same selection: 35 units (14 libs/macros, 1 bin, 10 build-script compiles+runs...)
        String ug = new ProcessBuilderRunner(ws, env()).run("cargo", "build", "-Z", "unstable-options", "--unit-graph",
                "--offline", "--locked");
        int cargoUnits = JsonMapper.builder().build().readTree(ug).get("units").size();
        assertEquals(cargoUnits, root.get("units").size());
        assertEquals("corpus-small", root.get("units").get(root.get("roots").get(0).asInt()).get("package").asString());
        assertTrue(r.stderr().contains("planned " + cargoUnits + " units"), r.stderr());

        CliRun text = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--locked")
                .assertOk();
        // Each unit: a summary line, its derivation, and "-> " its output path.
        assertEquals(3 * cargoUnits, text.out().strip().split("\n").length);
        assertEquals(cargoUnits, text.out().lines().filter(l -> l.strip().startsWith("-> /crabstore/store/")).count());
        assertTrue(root.get("units").get(0).get("drvPath").asString().endsWith(".drv"));
        assertTrue(root.get("sources").size() > 0);
        CliRun dot = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--locked",
                "--format", "dot").assertOk();
        assertTrue(dot.out().startsWith("digraph units {"), dot.out());
    }

    @Test
    void reportsCargoErrors() throws Exception {
        Tools.require("cargo");
        Path ws = copySmall();
        CliRun r = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--locked",
                "--features", "no-such-feature");
        assertEquals(2, r.exitCode(), "cargo refused the selection: bad input");
        assertTrue(r.stderr().startsWith("error: ") && r.stderr().contains("no-such-feature"), r.stderr());
        CliRun p = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "-p", "nope");
        assertEquals(2, p.exitCode(), p.stderr());
        assertTrue(p.stderr().startsWith("error: package ID specification `nope` did not match any packages"),
                p.stderr());
    }

    /** cargo's --frozen and --config, passed to cargo and layered into the config crabstore reads. */
    @Test
    void frozenAndConfigAreCargos() throws Exception {
        Tools.require("cargo");
        Path ws = copySmall();
        CliRun plain = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--frozen", "--format", "json")
                .assertOk();
        CliRun configured = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--frozen", "--config",
                "build.rustflags=[\"--cfg\", \"from_config\"]", "--format", "json").assertOk();
        String before = rootDrv(plain);
        String after = rootDrv(configured);
        assertFalse(before.equals(after), "rustflags from --config change the derivations");
        Path store = tmp.resolve("crabstore-home/store");
        assertFalse(Files.readString(store.resolve(before.substring("/crabstore/store/".length())))
                .contains("from_config"));
        assertTrue(Files.readString(store.resolve(after.substring("/crabstore/store/".length())))
                .contains("from_config"));
        Files.writeString(ws.resolve("Cargo.toml"), Files.readString(ws.resolve("Cargo.toml")).replaceFirst(
                "version = \"0\\.1\\.0\"", "version = \"0.1.1\""));
        CliRun stale = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--frozen");
        assertEquals(2, stale.exitCode(), stale.stderr());
        assertTrue(stale.stderr().contains("--frozen"), stale.stderr());
    }

    /**
     * {@code -C target-cpu=native} names no CPU: the derivations name this machine's, so that a cache never hands a
     * unit built for one CPU to another (a user review: the same store path for every CPU).
     */
    @Test
    void targetCpuNativeIsResolvedIntoTheDerivations() throws Exception {
        Tools.require("cargo");
        Path ws = copySmall();
        String flags = "build.rustflags=[\"-C\", \"target-cpu=native\"]";
        CliRun r = CliRun.run(new byte[0], env(), "plan", "--dir", ws.toString(), "--offline", "--config", flags,
                "--format", "json").assertOk();
        String drv = Files.readString(tmp.resolve("crabstore-home/store").resolve(rootDrv(r).substring(
                "/crabstore/store/".length())));
        String cpus = new ProcessBuilderRunner(ws, env()).run("rustc", "--print", "target-cpus");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(currently ([^)]+)\\)").matcher(cpus);
        assertTrue(m.find(), cpus);
        assertTrue(drv.contains("(\"crabstoreHostCpu\",\"" + m.group(1) + " "), drv);
    }

    private static String rootDrv(CliRun plan) throws Exception {
        JsonNode root = JsonMapper.builder().build().readTree(plan.out());
        return root.get("units").get(root.get("roots").get(0).asInt()).get("drvPath").asString();
    }

    @Test
    void rejectsUnknownFormat() throws Exception {
        CliRun r = CliRun.run(new byte[0], env(), "plan", "--format", "yaml");
        assertEquals(2, r.exitCode(), r.stderr());
    }

    /** Runs a command with RUSTC_BOOTSTRAP=1 and returns stdout. */
    record ProcessBuilderRunner(Path dir, Map<String, String> env) {
        String run(String... cmd) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
            pb.environment().putAll(env);
            pb.environment().put("RUSTC_BOOTSTRAP", "1");
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor());
            return out;
        }
    }
}
