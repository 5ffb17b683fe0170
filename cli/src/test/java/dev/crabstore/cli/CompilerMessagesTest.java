package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rustc's diagnostics as cargo reports them, checked against real cargo on the same edit of the example workspace (a
 * warning in {@code greet}, an error and a warning in {@code hello}): JSON messages and human output, when each unit
 * is built and again when it is fresh.
 */
class CompilerMessagesTest {
    @TempDir
    Path dir;
    Path cargoWs;
    Path crabWs;

    @BeforeEach
    void twoCopies() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        cargoWs = dir.resolve("cargo/hello-workspace");
        crabWs = dir.resolve("crab/hello-workspace");
        for (Path ws : List.of(cargoWs, crabWs)) {
            Corpus.copyWorkspace(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
            Path lib = ws.resolve("greet/src/lib.rs");
            Files.writeString(lib, Files.readString(lib) + "\npub fn unused_binding() { let zz = 3; }\n");
            Path main = ws.resolve("hello/src/main.rs");
            Files.writeString(main, Files.readString(main) + "fn b() -> u32 { let x: u32 = \"n\"; x }\n"
                    + "fn c() { let y = 1; }\n");
        }
    }

    private record Ran(int code, String out, String err) {}

    private Ran cargo(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("cargo", "build", "--offline"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cargoWs.toFile());
        pb.environment().remove("CARGO_TARGET_DIR");
        pb.environment().remove("CARGO_TERM_COLOR");
        Process p = pb.start();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Ran(p.waitFor(), out, err.join());
    }

    private Ran crabstore(String... args) {
        List<String> cmd = new ArrayList<>(List.of("build", "--dir", crabWs.toString(), "--offline"));
        cmd.addAll(List.of(args));
        CliRun r = CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), cmd.toArray(String[]::new));
        return new Ran(r.exitCode(), r.out(), r.stderr());
    }

    /** The {@code compiler-message} lines, the workspace's place replaced by {@code <ws>}. */
    private static List<String> compilerMessages(String stdout, Path ws) {
        List<String> out = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            if (line.startsWith("{\"reason\":\"compiler-message\"")) {
                out.add(line.replace(ws.toString(), "<ws>"));
            }
        }
        return out;
    }

    /** Every line but those naming where things are or how long they took, which cargo and crabstore word apart. */
    private static List<String> diagnosticLines(String stderr) {
        return stderr.lines().filter(l -> !l.startsWith("   Compiling ") && !l.startsWith("    Finished ")
                && !l.startsWith("error: build failed after ")).toList();
    }

    @Test
    void jsonMessagesAreCargosForFailedBuiltAndFreshUnits() throws Exception {
        for (int round = 0; round < 2; round++) { // then greet is fresh: its warning comes from what was kept
            Ran c = cargo("--message-format", "json");
            Ran r = crabstore("--message-format", "json");
            assertEquals(101, c.code(), c.err());
            assertEquals(1, r.code(), r.err());
            List<String> expected = compilerMessages(c.out(), cargoWs);
            assertEquals(4, expected.size(), c.out()); // greet's warning, hello's error, warning and explain note
            assertEquals(expected, compilerMessages(r.out(), crabWs), "round " + round);
            assertTrue(r.out().endsWith("{\"reason\":\"build-finished\",\"success\":false}\n"), r.out());
            // on stderr, as cargo: which unit failed, not the diagnostics
            assertTrue(r.err().contains("error: could not compile `hello` (bin \"hello\") due to 1 previous error; "
                    + "1 warning emitted"), r.err());
            assertFalse(r.err().contains("mismatched types"), r.err());
        }
    }

    @Test
    void humanOutputIsCargos() throws Exception {
        for (int round = 0; round < 2; round++) {
            Ran c = cargo();
            Ran r = crabstore();
            assertEquals(101, c.code(), c.err());
            assertEquals(1, r.code(), r.err());
            List<String> expected = diagnosticLines(c.err());
            assertTrue(expected.contains("warning: `greet` (lib) generated 1 warning (run `cargo fix --lib -p greet` "
                    + "to apply 1 suggestion)"), c.err());
            assertEquals(expected, diagnosticLines(r.err()), "round " + round + "\n" + r.err());
            assertFalse(r.err().contains("error: aborting due to") || r.err().contains("warning: 1 warning emitted"),
                    r.err());
        }
        // Counts are pluralised: greet-macros edited, so one unit is built before hello fails.
        Path lib = crabWs.resolve("greet-macros/src/lib.rs");
        Files.writeString(lib, Files.readString(lib) + "// edited\n");
        Ran r = crabstore();
        assertTrue(r.err().matches("(?s).*error: build failed after [0-9.]+s \\(1 unit built\\)\n"), r.err());
    }

    /** A fixed build shows greet's warning again every time, also when the no-op is replayed without planning. */
    @Test
    void freshUnitsShowTheirWarningsAgain() throws Exception {
        Path main = crabWs.resolve("hello/src/main.rs");
        Files.writeString(main, Files.readString(main).replace("\"n\"", "7"));
        Path cmain = cargoWs.resolve("hello/src/main.rs");
        Files.writeString(cmain, Files.readString(cmain).replace("\"n\"", "7"));
        BuildCommandTest.backdate(crabWs);
        Ran c = cargo();
        assertEquals(0, c.code(), c.err());
        List<String> expected = diagnosticLines(c.err());
        assertEquals(2, expected.stream().filter(l -> l.contains(") generated ")).count(), c.err());
        for (int round = 0; round < 3; round++) {
            if (round == 2) {
                Path db = dir.resolve("home/var/db");
                Files.move(db, dir.resolve("home/var/db-hidden")); // the replay must not open the store
            }
            Ran r = crabstore();
            assertEquals(0, r.code(), r.err());
            assertEquals(expected, diagnosticLines(r.err()), "round " + round + "\n" + r.err());
        }
        assertTrue(Files.notExists(dir.resolve("home/var/db")), "the last build was replayed");
    }
}
