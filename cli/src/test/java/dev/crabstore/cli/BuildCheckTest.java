package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code build --check}: every unit rebuilt and compared with the store. */
class BuildCheckTest {
    @TempDir
    Path dir;

    @Test
    void theExampleIsReproducible() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        CliRun r = CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir", ws.toString(),
                "--offline", "--check", "--rounds", "2").assertOk();
        assertTrue(r.stderr().contains("Checked 5 derivations (2 rounds)") && r.stderr().contains("all reproducible"),
                r.stderr());
        String out = ws.resolve("target/debug/hello").toRealPath().getParent().getFileName().toString();
        CliRun info = CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "store", "path-info", "--json",
                "/crabstore/store/" + out).assertOk();
        assertTrue(info.out().contains("\"how\":\"built\"") && info.out().contains("\"rustc\":\"rustc ")
                && info.out().contains("\"reproducible\":true") && info.out().contains("\"checked\":"), info.out());
    }

    /**
     * After a gc that keeps only the target/ links' closures (--no-keep-outputs, as gc did before keep-outputs), the
     * build script's binary is gone while its run's output is valid: the normal build needs nothing, and --check used
     * to report the binary and its run as "not reproducible" (output and input not valid). As nix-build --check does,
     * what is missing is built first, and built, not checked; the rest is checked.
     */
    @Test
    void whatGcDeletedIsBuiltFirstNotReportedAsNotReproducible() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        java.util.Map<String, String> env = CliRun.envWithHome(dir.resolve("home"));
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        CliRun gc = CliRun.run(new byte[0], env, "gc", "--no-keep-outputs").assertOk();
        assertTrue(gc.out().contains("-greet-0.2.0-build-script\n"), gc.out());
        CliRun r = CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline", "--check").assertOk();
        assertTrue(r.stderr().contains("    Building greet v0.2.0 (greet-0.2.0-build-script, not in the store: built, "
                + "not checked)"), r.stderr());
        assertTrue(r.stderr().contains("Checked 4 derivations (1 round) in ")
                && r.stderr().contains("s: all reproducible, 1 built or fetched instead (not in the store)"), r.stderr());
        assertTrue(!r.stderr().contains("not reproducible") && !r.stderr().contains("error:"), r.stderr());
        // Now that it is in the store, it is checked.
        CliRun again = CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline", "--check")
                .assertOk();
        assertTrue(again.stderr().contains("Checked 5 derivations (1 round) in ")
                && again.stderr().contains("s: all reproducible\n"), again.stderr());
    }

    /**
     * A build script that writes the time into OUT_DIR: its run differs. The lib that includes the file is rebuilt from
     * the registered run output, as Nix checks a derivation against its inputs, so it is reproducible.
     */
    @Test
    void aBuildScriptThatWritesTheTimeIsReported() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
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
        CliRun r = CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir", ws.toString(),
                "--offline", "--check");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("error: clock-0.1.0-build-script-run is not reproducible"), r.stderr());
        assertTrue(r.stderr().contains("differs: out/stamp.txt (file, 19 → 19 bytes)"), r.stderr());
        // the rebuild is kept to compare, as nix-build --check --keep-failed keeps <out>.check (a review)
        java.util.regex.Matcher kept = java.util.regex.Pattern.compile("the rebuild is kept at (\\S+) ").matcher(
                r.stderr());
        assertTrue(kept.find(), r.stderr());
        assertTrue(Files.isRegularFile(Path.of(kept.group(1)).resolve("out/stamp.txt")), kept.group(1));
        assertTrue(!r.stderr().contains("error: clock-0.1.0 is not reproducible"), r.stderr());
        assertTrue(r.stderr().contains("Checked 3 derivations (1 round)") && r.stderr().contains("1 not reproducible"),
                r.stderr());
        // In JSON, build-finished gives the command's verdict, the check's included (a review saw success: true).
        CliRun json = CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir",
                ws.toString(), "--offline", "--check", "--message-format", "json");
        assertEquals(1, json.exitCode(), json.stderr());
        String out = new String(json.stdout(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertTrue(out.endsWith("{\"reason\":\"build-finished\",\"success\":false}"), out);
    }

    /** An output that embeds its build dir is reported; with --strict-paths the unit fails and nothing is kept. */
    @Test
    void anOutputThatEmbedsItsBuildDirIsCaught() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("where");
        Files.createDirectories(ws.resolve("src"));
        Files.writeString(ws.resolve("Cargo.toml"), """
                [package]
                name = "where"
                version = "0.1.0"
                edition = "2021"
                """);
        Files.writeString(ws.resolve("src/main.rs"), """
                fn main() { println!("built in {}", env!("CARGO_MANIFEST_DIR")); }
                """);
        CliRun strict = CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir",
                ws.toString(), "--offline", "--strict-paths");
        assertEquals(1, strict.exitCode(), strict.stderr());
        assertTrue(strict.stderr().contains("contains absolute paths outside the store (--strict-paths)")
                && strict.stderr().contains(": /build/ws"), strict.stderr());
        assertTrue(Files.notExists(ws.resolve("target/debug/where")));
        CliRun warned = CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir",
                ws.toString(), "--offline").assertOk();
        assertTrue(warned.stderr().contains("warning: where-0.1.0-bin-where contains absolute paths outside the store")
                && warned.stderr().contains(" at byte "), warned.stderr());
        // The output is in the store now, with its leak: --strict-paths still refuses it, although nothing is built
        // (before, it answered "0 built" and a CI job with --strict-paths passed with the leaky output).
        Files.delete(ws.resolve("target/debug/where"));
        CliRun again = CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir",
                ws.toString(), "--offline", "--strict-paths");
        assertEquals(1, again.exitCode(), again.stderr());
        assertTrue(again.stderr().contains("error: where-0.1.0-bin-where was built without --strict-paths and its "
                + "output contains absolute paths outside the store:") && again.stderr().contains(": /build/ws"),
                again.stderr());
        assertTrue(Files.notExists(ws.resolve("target/debug/where")), "no link to what --strict-paths refused");
    }

    /**
     * A path the source itself writes (a doc comment and a string literal, both kept in the rlib's metadata) is no
     * leak: it is the same wherever the build runs, so --strict-paths accepts it (it failed the unit before, as it did
     * tokio's doc example "/tmp/foo/bar/baz" in the corpus).
     */
    @Test
    void aPathWrittenInTheSourceIsNoLeak() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("literal");
        Files.createDirectories(ws.resolve("src"));
        Files.writeString(ws.resolve("Cargo.toml"), """
                [package]
                name = "literal"
                version = "0.1.0"
                edition = "2021"
                """);
        Files.writeString(ws.resolve("src/lib.rs"), """
                /// Writes its scratch files under /tmp/crabstore-doc-example/.
                pub const SCRATCH: &str = "/tmp/crabstore-literal/x";
                """);
        CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir", ws.toString(), "--offline",
                "--strict-paths").assertOk();
        byte[] rlib = Files.readAllBytes(ws.resolve("target/debug/libliteral.rlib"));
        assertTrue(new String(rlib, java.nio.charset.StandardCharsets.ISO_8859_1).contains(
                "/tmp/crabstore-doc-example/"), "the rlib holds the path, so the scanner sees it");
    }

    /** The example's outputs hold no absolute path but store paths (the build dir is remapped). */
    @Test
    void theExamplesOutputsHoldNoBuildDir() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), "build", "--dir", ws.toString(), "--offline",
                "--strict-paths").assertOk();
    }
}
