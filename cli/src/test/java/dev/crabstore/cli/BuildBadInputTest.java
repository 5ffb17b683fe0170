package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad workspaces fail with a message naming the file and the problem, and leave the store without outputs. */
class BuildBadInputTest {
    @TempDir
    Path dir;

    Path example() throws Exception {
        Path ws = dir.resolve("ws");
        BuildCommandTest.copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        return ws;
    }

    CliRun build(Path ws, String... extra) {
        String[] args = new String[3 + extra.length];
        args[0] = "build";
        args[1] = "--dir";
        args[2] = ws.toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        return CliRun.run(new byte[0], CliRun.envWithHome(dir.resolve("home")), args);
    }

    @Test
    void aTruncatedLockfileNamesTheFile() throws Exception {
        Tools.require("cargo");
        Path ws = example();
        String lock = Files.readString(ws.resolve("Cargo.lock"));
        Files.writeString(ws.resolve("Cargo.lock"), lock.substring(0, lock.indexOf("name = \"greet-macros\"") + 10));
        CliRun r = build(ws, "--offline");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains(ws.resolve("Cargo.lock") + ": not valid TOML: "), r.stderr());
        assertTrue(Files.notExists(ws.resolve("target")));
        assertNoOutputs();
    }

    @Test
    void aLockfileCutBetweenPackagesNamesTheDanglingDependency() throws Exception {
        Path ws = example();
        String lock = Files.readString(ws.resolve("Cargo.lock"));
        int at = lock.indexOf("[[package]]\nname = \"greet-macros\"");
        int next = lock.indexOf("[[package]]", at + 5);
        Files.writeString(ws.resolve("Cargo.lock"), lock.substring(0, at) + (next < 0 ? "" : lock.substring(next)));
        CliRun r = build(ws, "--offline");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains(ws.resolve("Cargo.lock") + ": package 'hello 1.0.0' depends on 'greet-macros"),
                r.stderr());
        assertNoOutputs();
    }

    @Test
    void anUnsupportedLockfileVersionIsNamed() throws Exception {
        Path ws = example();
        Path lock = ws.resolve("Cargo.lock");
        Files.writeString(lock, Files.readString(lock).replaceFirst("version = [34]", "version = 9"));
        CliRun r = build(ws, "--offline");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains(lock + ": lockfile version 9 is not supported"), r.stderr());
    }

    @Test
    void aBrokenCargoConfigIsNamed() throws Exception {
        Path ws = example();
        Files.createDirectories(ws.resolve(".cargo"));
        Files.writeString(ws.resolve(".cargo/config.toml"), "[build]\nrustflags = 7\n");
        CliRun r = build(ws, "--offline");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains(ws.resolve(".cargo/config.toml") + ": build.rustflags must be a string or an "
                + "array of strings, found 7"), r.stderr());
    }

    @Test
    void aMissingPathDependencyNamesTheManifest() throws Exception {
        Tools.require("cargo");
        Path ws = example();
        BuildCommandTest.deleteTree(ws.resolve("greet-macros"));
        CliRun r = build(ws, "--offline");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("greet-macros") && r.stderr().contains("Cargo.toml"), r.stderr());
        assertNoOutputs();
    }

    /** A registry crate the registry does not have: planning works, fetching names the file, nothing is built. */
    @Test
    void aMissingCrateInTheRegistryNamesTheFile() throws Exception {
        Tools.require("cargo");
        String sum = "0000000000000000000000000000000000000000000000000000000000000001";
        Path registry = dir.resolve("registry");
        Files.createDirectories(registry.resolve("index/3/t"));
        Files.writeString(registry.resolve("index/3/t/tnt"), "{\"name\":\"tnt\",\"vers\":\"1.0.0\",\"deps\":[],"
                + "\"cksum\":\"" + sum + "\",\"features\":{},\"yanked\":false}\n");
        Path ws = dir.resolve("app");
        Files.createDirectories(ws.resolve("src"));
        Files.createDirectories(ws.resolve(".cargo"));
        Files.writeString(ws.resolve("src/main.rs"), "fn main() {}\n");
        Files.writeString(ws.resolve("Cargo.toml"), "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
                + "\n[dependencies]\ntnt = \"1\"\n");
        Files.writeString(ws.resolve(".cargo/config.toml"), "[source.crates-io]\nreplace-with = \"local\"\n"
                + "[source.local]\nlocal-registry = \"" + registry + "\"\n");
        Files.writeString(ws.resolve("Cargo.lock"), "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n"
                + "dependencies = [\n \"tnt\",\n]\n\n[[package]]\nname = \"tnt\"\nversion = \"1.0.0\"\n"
                + "source = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"" + sum + "\"\n");
        CliRun r = build(ws, "--offline", "--locked");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains(registry.resolve("tnt-1.0.0.crate").toString()), r.stderr());
        assertNoOutputs();
    }

    /** A failing build script fails the build with its output; --keep-going still builds the independent units. */
    @Test
    void aFailingBuildScriptFailsTheBuildAndKeepGoingBuildsTheRest() throws Exception {
        Tools.require("cargo");
        Tools.require("bwrap");
        Path ws = example();
        Path script = ws.resolve("greet/build.rs");
        Files.writeString(script, Files.readString(script).replace("fn main() {",
                "fn main() {\n    eprintln!(\"crab-diagnostic: no greeting table\");\n    std::process::exit(3);"));
        CliRun r = build(ws, "--offline", "--keep-going");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("crab-diagnostic: no greeting table"), r.stderr());
        try (var s = Files.list(dir.resolve("home/store"))) {
            java.util.List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.endsWith("-greet-macros-0.1.0")), "independent unit built: " + names);
            assertTrue(names.stream().noneMatch(n -> n.contains("-hello-1.0.0-bin") && !n.endsWith(".drv")),
                    "dependent not built: " + names);
        }
        assertTrue(Files.notExists(ws.resolve("target/debug/hello")));
    }

    /** Nothing was registered in the store but what planning writes (.drv files and sources): no build output. */
    void assertNoOutputs() throws Exception {
        Path store = dir.resolve("home/store");
        if (Files.isDirectory(store)) {
            try (var s = Files.list(store)) {
                assertTrue(s.noneMatch(p -> !p.getFileName().toString().endsWith(".drv")
                        && !p.getFileName().toString().endsWith("-source")), "only derivations and sources");
            }
        }
    }

    @Test
    void aLockfileThatDisagreesWithTheManifestsIsRefusedWithLocked() throws Exception {
        Tools.require("cargo");
        Path ws = example();
        Path manifest = ws.resolve("greet/Cargo.toml");
        Files.writeString(manifest, Files.readString(manifest).replace("version = \"0.2.0\"", "version = \"0.3.0\""));
        CliRun r = build(ws, "--offline", "--locked");
        assertEquals(2, r.exitCode(), "cargo refused the input: " + r.stderr());
        assertTrue(r.stderr().startsWith("error: cannot update the lock file ") && r.stderr().contains("Cargo.lock")
                && r.stderr().contains("--locked"), r.stderr());
    }

    @Test
    void aMissingWorkspaceIsAClearError() throws Exception {
        CliRun r = build(dir.resolve("nowhere"));
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains(dir.resolve("nowhere") + ": no such directory"), r.stderr());
        // As cargo: the directory and its parents are searched ("could not find `Cargo.toml` in `…` or any parent
        // directory"); crabstore looked in the directory only.
        Path empty = Files.createDirectories(dir.resolve("empty/sub"));
        CliRun none = build(empty);
        assertEquals(2, none.exitCode(), none.stderr());
        assertTrue(none.stderr().startsWith("error: could not find Cargo.toml in " + empty + " or any parent "
                + "directory"), none.stderr());
    }

    /**
     * {@code --manifest-path} must name an existing Cargo.toml, as cargo 1.95 requires: a directory was taken for its
     * parent's workspace and a Cargo.lock for the workspace beside it.
     */
    @Test
    void aManifestPathMustBeACargoToml() throws Exception {
        Path ws = example();
        CliRun directory = build(ws, "--manifest-path", ws.resolve("hello").toString());
        assertEquals(2, directory.exitCode(), directory.stderr());
        assertTrue(directory.stderr().startsWith("error: " + ws.resolve("hello") + ": --manifest-path is a directory "
                + "but expected a file (" + ws.resolve("hello/Cargo.toml") + " exists"), directory.stderr());
        CliRun lock = build(ws, "--manifest-path", ws.resolve("Cargo.lock").toString());
        assertEquals(2, lock.exitCode(), lock.stderr());
        assertTrue(lock.stderr().startsWith("error: " + ws.resolve("Cargo.lock") + ": the manifest-path must be a path "
                + "to a Cargo.toml file"), lock.stderr());
        CliRun missing = build(ws, "--manifest-path", "nope/Cargo.toml"); // relative to --dir, as to cargo's -C
        assertEquals(2, missing.exitCode(), missing.stderr());
        assertTrue(missing.stderr().startsWith("error: " + ws.resolve("nope/Cargo.toml") + ": --manifest-path does "
                + "not exist"), missing.stderr());
        assertTrue(Files.notExists(dir.resolve("home/var/plans")), "nothing planned");
    }

    /** A Cargo.toml cargo cannot parse is bad input (exit 2, not 1) named by its file, with cargo's reason. */
    @Test
    void aBrokenManifestIsBadInputNamingTheFile() throws Exception {
        Tools.require("cargo");
        Path ws = example();
        Path root = ws.resolve("Cargo.toml");
        String rootText = Files.readString(root);
        Files.writeString(root, rootText + "[workspace\n");
        CliRun r = build(ws, "--offline");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("error: " + root + ": not a valid manifest: unclosed table, expected `]`"),
                r.stderr());
        Files.writeString(root, rootText);
        Path member = ws.resolve("greet/Cargo.toml");
        Files.writeString(member, Files.readString(member).replace("name = \"greet\"\n", ""));
        for (Path in : List.of(ws, ws.resolve("greet"), ws.resolve("hello"))) {
            CliRun m = build(in, "--offline");
            assertEquals(2, m.exitCode(), in + ": " + m.stderr());
            assertTrue(m.stderr().startsWith("error: " + member + ": not a valid manifest: "), m.stderr());
            assertTrue(m.stderr().contains("missing field `package.name`"), m.stderr());
        }
        assertNoOutputs();
    }

    /**
     * A feature the selected package lacks is named as cargo names it; cargo metadata, which knows no -p, answered
     * first with "none of the selected packages contains this feature … selected packages: greet, greet-macros, hello".
     */
    @Test
    void anUnknownFeatureNamesTheSelectedPackage() throws Exception {
        Tools.require("cargo");
        Path ws = example();
        CliRun r = build(ws, "--offline", "-p", "greet", "--features", "shout,nope");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("error: the package 'greet' does not contain this feature: nope"),
                r.stderr());
        assertFalse(r.stderr().contains("--unit-graph"), "not the command crabstore ran: " + r.stderr());
        assertFalse(r.stderr().contains("selected packages: greet, greet-macros, hello"), r.stderr());
        assertNoOutputs();
    }

    @Test
    void zeroCheckRoundsAreRefusedBeforeAnythingIsBuilt() throws Exception {
        Path ws = example();
        CliRun r = build(ws, "--offline", "--check", "--rounds", "0");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("error: --rounds must be at least 1"), r.stderr());
        assertFalse(r.stderr().contains("Compiling"), r.stderr());
        assertNoOutputs();
    }

    @Test
    void flagsThatOnlyModifyAnotherNeedIt() throws Exception {
        Path ws = example();
        CliRun rounds = build(ws, "--offline", "--rounds", "2");
        assertEquals(2, rounds.exitCode(), rounds.stderr());
        assertTrue(rounds.stderr().startsWith("error: --rounds needs --check"), rounds.stderr());
        CliRun sign = build(ws, "--offline", "--sign", dir.resolve("key.sec").toString());
        assertEquals(2, sign.exitCode(), sign.stderr());
        assertTrue(sign.stderr().startsWith("error: --sign needs --push"), sign.stderr());
        // A key file that cannot be read is found before the build, not after it (a user review).
        CliRun missingKey = build(ws, "--offline", "--push", "file://" + dir.resolve("cache"), "--sign",
                dir.resolve("missing.sec").toString());
        assertEquals(2, missingKey.exitCode(), missingKey.stderr());
        assertTrue(missingKey.stderr().startsWith("error: --sign: cannot read the secret key file "
                + dir.resolve("missing.sec") + ": no such file or directory"), missingKey.stderr());
        assertFalse(missingKey.stderr().contains("Compiling"), missingKey.stderr());
        assertNoOutputs();
    }
}
