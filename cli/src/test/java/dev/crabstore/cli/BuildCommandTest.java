package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** crabstore build on real workspaces, with real cargo, rustc and bubblewrap. */
class BuildCommandTest {
    @TempDir
    Path dir;

    Map<String, String> env() {
        return CliRun.envWithHome(dir.resolve("home"));
    }

    static void copyTree(Path from, Path to) throws IOException {
        Corpus.copyWorkspace(from, to);
    }

    /** A copy of the example workspace, after checking the tools a build needs. */
    Path hello() throws IOException {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path ws = dir.resolve("hello-workspace");
        copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        return ws;
    }

    /** Adds {@code text} at the end of {@code file}. */
    static void append(Path file, String text) throws IOException {
        Files.writeString(file, Files.readString(file) + text);
    }

    static String run(Path exe, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = exe.toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /**
     * A workspace member's warnings are shown without -v, as cargo shows them (they went missing when
     * CARGO_PRIMARY_PACKAGE, which marked them, left the derivations); a registry crate's are capped by cargo's flags.
     */
    @Test
    void showsTheWarningsOfWorkspaceMembers() throws Exception {
        Path ws = hello();
        Path lib = ws.resolve("greet/src/lib.rs");
        append(lib, "\npub fn unused_binding() { let zz = 3; }\n");
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(r.stderr().contains("unused variable: `zz`"), r.stderr());
    }

    /**
     * A member reading a file of the workspace outside its package ({@code include_str!("../../README.md")}): the
     * sandbox does not have it, the error says how to give it (a review), {@code workspace-files} does, and an edit of
     * the file rebuilds what reads it.
     */
    @Test
    void workspaceFilesAreGivenToMembersWhenListed() throws Exception {
        Path ws = hello();
        Files.writeString(ws.resolve("README.md"), "The greeting crates.\n");
        Path lib = ws.resolve("greet/src/lib.rs");
        Files.writeString(lib, "#![doc = include_str!(\"../../README.md\")]\n" + Files.readString(lib)
                .replaceAll("(?m)^//!.*\n", ""));
        CliRun missing = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline");
        assertEquals(1, missing.exitCode(), missing.stderr());
        assertTrue(missing.stderr().contains("couldn't read `greet/src/../../README.md`"), missing.stderr());
        assertTrue(missing.stderr().contains("`workspace-files` of .crabstore.toml"), missing.stderr());

        Files.writeString(ws.resolve(".crabstore.toml"), "workspace-files = [\"README.md\"]\n");
        CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
        Files.writeString(ws.resolve("README.md"), "The greeting crates, edited.\n");
        CliRun edited = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(edited.stderr().contains("Compiling greet v0.2.0"), "the README is an input: " + edited.stderr());
        // a test run sees them too, from its package's directory as cargo test runs it
        Files.createDirectories(ws.resolve("greet/tests"));
        Files.writeString(ws.resolve("greet/tests/readme.rs"), "#[test]\nfn reads_the_readme() {\n"
                + "    assert!(std::fs::read_to_string(\"../README.md\").unwrap().contains(\"edited\"));\n}\n");
        CliRun.run(new byte[0], env(), "test", "--dir", ws.toString(), "--offline", "-p", "greet", "--test",
                "readme").assertOk();

        Files.writeString(ws.resolve(".crabstore.toml"), "workspace-files = [\"docs/missing.md\"]\n");
        CliRun bad = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline");
        assertEquals(2, bad.exitCode(), bad.stderr());
        assertTrue(bad.stderr().contains(".crabstore.toml: 'workspace-files' names docs/missing.md"), bad.stderr());
    }

    /**
     * A linker of the project's own (a script in the workspace, named by the cargo config) is an input of the units
     * and there in their sandbox (a review: "linker `/build/ws/tools/mylinker` not found").
     */
    @Test
    void aLinkerScriptOfTheWorkspaceIsUsed() throws Exception {
        Path ws = hello();
        Path linker = Files.createDirectories(ws.resolve("tools")).resolve("mylinker");
        Files.writeString(linker, "#!/bin/sh\necho from-the-project-linker >&2\nexit 1\n");
        linker.toFile().setExecutable(true);
        Files.createDirectories(ws.resolve(".cargo"));
        Files.writeString(ws.resolve(".cargo/config.toml"), "[target.x86_64-unknown-linux-gnu]\n"
                + "linker = \"tools/mylinker\"\n");
        CliRun refused = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline");
        assertEquals(1, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains("from-the-project-linker"), refused.stderr());
        Files.writeString(linker, "#!/bin/sh\nexec cc \"$@\"\n");
        CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(run(ws.resolve("target/debug/hello"), "crab").contains("HELLO, CRAB"));
    }

    /** Under a custom profile that inherits from release, build scripts see PROFILE=release, as cargo's (a review). */
    @Test
    void aProfileInheritingReleaseIsReleaseToBuildScripts() throws Exception {
        Path ws = hello();
        append(ws.resolve("Cargo.toml"), "\n[profile.custom]\ninherits = \"release\"\n\n"
                + "[profile.deeper]\ninherits = \"custom\"\n");
        Path script = ws.resolve("greet/build.rs");
        Files.writeString(script, Files.readString(script).replace("fn main() {",
                "fn main() {\n    println!(\"cargo::warning=PROFILE={}\", std::env::var(\"PROFILE\").unwrap());"));
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--profile",
                "deeper").assertOk();
        assertTrue(r.stderr().contains("warning: greet@0.2.0: PROFILE=release"), r.stderr());
        CliRun dev = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(dev.stderr().contains("warning: greet@0.2.0: PROFILE=debug"), dev.stderr());
    }

    /** A build script's warning is shown as cargo 1.95 shows it: {@code warning: greet@0.2.0: …} (a review). */
    @Test
    void buildScriptWarningsAreNamedAsCargoNamesThem() throws Exception {
        Path ws = hello();
        Path script = ws.resolve("greet/build.rs");
        Files.writeString(script, Files.readString(script).replace("fn main() {",
                "fn main() {\n    println!(\"cargo::warning=hello from the build script\");"));
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(r.stderr().contains("warning: greet@0.2.0: hello from the build script\n"), r.stderr());
        // shown again while the run is fresh, as cargo replays it: after an edit elsewhere, and when nothing changed
        append(ws.resolve("hello/src/main.rs"), "\n// edited\n");
        for (int i = 0; i < 2; i++) {
            CliRun again = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
            assertTrue(again.stderr().contains("warning: greet@0.2.0: hello from the build script\n"), again.stderr());
        }
    }

    /** --examples and --example link the examples where cargo puts them (a review found nothing linked). */
    @Test
    void examplesAreLinkedIntoTheExamplesDirectory() throws Exception {
        Path ws = hello();
        Files.createDirectories(ws.resolve("hello/examples"));
        Files.writeString(ws.resolve("hello/examples/ex1.rs"), "fn main() { println!(\"ex1 {}\", 40 + 2); }\n");
        Files.writeString(ws.resolve("hello/examples/ex2.rs"), "fn main() { println!(\"ex2\"); }\n");
        CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--example", "ex1")
                .assertOk();
        assertEquals("ex1 42\n", run(ws.resolve("target/debug/examples/ex1")));
        assertFalse(Files.exists(ws.resolve("target/debug/examples/ex2")));
        CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--examples").assertOk();
        assertEquals("ex2\n", run(ws.resolve("target/debug/examples/ex2")));
        CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--workspace", "--exclude",
                "greet-macros", "--all-targets").assertOk();
        // a staticlib lands where cargo puts it, too
        Path greet = ws.resolve("greet/Cargo.toml");
        append(greet, "\n[lib]\ncrate-type = [\"rlib\", \"staticlib\"]\n");
        CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "-p", "greet").assertOk();
        assertTrue(Files.isRegularFile(ws.resolve("target/debug/libgreet.a")));
    }

    /** The workspace's [lints] reach rustc as cargo passes them: a forbidden unsafe block fails (a review). */
    @Test
    void workspaceLintsAreEnforced() throws Exception {
        Path ws = hello();
        append(ws.resolve("Cargo.toml"), "\n[workspace.lints.rust]\nunsafe_code = \"forbid\"\n");
        Path member = ws.resolve("hello/Cargo.toml");
        append(member, "\n[lints]\nworkspace = true\n");
        Path main = ws.resolve("hello/src/main.rs");
        append(main, "\npub fn peek() -> u8 { unsafe { std::ptr::read(&1u8) } }\n");
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("usage of an `unsafe` block"), r.stderr());
        assertTrue(r.stderr().contains("could not compile `hello` (bin \"hello\")"), r.stderr());
    }

    @Test
    void buildsTheExampleWorkspaceAndThenNothing() throws Exception {
        Path ws = hello();
        CliRun first = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(first.stderr().contains("Compiling greet v0.2.0"), first.stderr());
        assertTrue(first.stderr().contains("5 built, 0 fresh"), first.stderr());
        String out = run(ws.resolve("target/debug/hello"), "crab");
        assertEquals("HELLO, CRAB\nHello from Crab!\nbuilt for x86_64-unknown-linux-gnu\n", out);
        CliRun again = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
        // every derivation of the plan counted, not only those the realiser met (it stops at valid outputs)
        assertTrue(again.stderr().contains("0 built, 5 fresh"), again.stderr());
        // Another selection compiles what cargo compiles for it (greet-macros and hello: cargo's unit graph differs
        // for them), not greet too: being selected (CARGO_PRIMARY_PACKAGE) is not an input of a unit.
        CliRun selected = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "-p", "hello")
                .assertOk();
        assertTrue(selected.stderr().contains("2 built, 3 fresh"), selected.stderr());
        assertFalse(selected.stderr().contains("Compiling greet v"), selected.stderr());
        // Editing a source rebuilds only what depends on it.
        Path main = ws.resolve("hello/src/main.rs");
        Files.writeString(main, Files.readString(main).replace("built for", "made for"));
        CliRun edited = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(edited.stderr().contains("1 built"), edited.stderr());
        assertTrue(run(ws.resolve("target/debug/hello")).contains("made for"));
    }

    static void deleteTree(Path tree) throws IOException {
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    static void backdate(Path tree) throws IOException {
        java.nio.file.attribute.FileTime past = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minusSeconds(120));
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, past);
                }
            }
        }
    }

    /** An unchanged workspace is a no-op that neither plans nor opens the store; any change falls back to a build. */
    @Test
    void anUnchangedBuildIsReplayedFromItsFingerprint() throws Exception {
        Path ws = hello();
        backdate(ws);
        String[] build = {"build", "--dir", ws.toString(), "--offline"};
        CliRun.run(new byte[0], env(), build).assertOk();
        Path db = dir.resolve("home/var/db");
        Path hidden = dir.resolve("home/var/db-hidden");
        Files.move(db, hidden); // the slow path would make a new, empty store and rebuild everything
        CliRun replayed = CliRun.run(new byte[0], env(), build).assertOk();
        assertTrue(replayed.stderr().matches("(?s)\\s*Finished `dev` profile in [0-9.]+s: 0 built, \\d+ fresh\\n"),
                replayed.stderr());
        assertTrue(Files.notExists(db), "the store was not opened");
        Files.move(hidden, db);
        // A changed flag is another command line: it plans.
        CliRun release = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--release")
                .assertOk();
        assertTrue(release.stderr().contains("built"), release.stderr());
        // A deleted artifact link is noticed.
        Files.delete(ws.resolve("target/debug/hello"));
        CliRun relinked = CliRun.run(new byte[0], env(), build).assertOk();
        assertTrue(relinked.stderr().contains("0 built"), relinked.stderr());
        assertTrue(Files.isSymbolicLink(ws.resolve("target/debug/hello")));
        // An edited source is noticed, whatever its mtime.
        Path main = ws.resolve("hello/src/main.rs");
        Files.writeString(main, Files.readString(main).replace("built for", "made for!"));
        backdate(ws.resolve("hello"));
        CliRun edited = CliRun.run(new byte[0], env(), build).assertOk();
        assertTrue(edited.stderr().contains("1 built"), edited.stderr());
        assertTrue(run(ws.resolve("target/debug/hello")).contains("made for!"));
    }

    @Test
    void aProgressLineIsDrawnOnlyWhenAsked() throws Exception {
        Path ws = hello();
        Map<String, String> env = new HashMap<>(env());
        env.put("CRABSTORE_PROGRESS", "always");
        CliRun r = CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(r.stderr().contains("\r\u001b[K    Building [") && r.stderr().contains("/5"), r.stderr());
        // units named as cargo names them there: crates, not derivation files (a review)
        assertTrue(r.stderr().matches("(?s).*\\] \\d/5: (greet|greet-macros|hello)\\b.*"), r.stderr());
        assertFalse(r.stderr().contains(".drv"), r.stderr());
        String last = r.stderr().substring(r.stderr().lastIndexOf('\r'));
        assertTrue(last.startsWith("\r\u001b[K    Finished"), "the bar is erased before the summary: " + last);
        env.put("CRABSTORE_PROGRESS", "never");
        Files.writeString(ws.resolve("hello/src/extra.rs"), "");
        CliRun quiet = CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(!quiet.stderr().contains("\r"), quiet.stderr());
    }

    @Test
    void messageFormatJsonPrintsCargosMessages() throws Exception {
        Path ws = hello();
        String[] args = {"build", "--dir", ws.toString(), "--offline", "--message-format", "json"};
        for (String round : new String[] {"cold", "fresh", "edit"}) {
            boolean fresh = round.equals("fresh");
            if (round.equals("edit")) {
                Path main = ws.resolve("hello/src/main.rs");
                append(main, "\n// edited\n");
            }
            CliRun r = CliRun.run(new byte[0], env(), args).assertOk();
            tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
            List<tools.jackson.databind.JsonNode> msgs = new java.util.ArrayList<>();
            for (String line : new String(r.stdout(), StandardCharsets.UTF_8).split("\n")) {
                msgs.add(json.readTree(line));
            }
            tools.jackson.databind.JsonNode last = msgs.get(msgs.size() - 1);
            assertEquals("build-finished", last.get("reason").asString());
            assertTrue(last.get("success").asBoolean());
            tools.jackson.databind.JsonNode bin = msgs.stream().filter(m -> m.get("reason").asString().equals(
                    "compiler-artifact") && m.get("target").get("name").asString().equals("hello")).findFirst()
                    .orElseThrow();
            assertEquals(fresh, bin.get("fresh").asBoolean());
            assertTrue(bin.get("package_id").asString().startsWith("path+file://"), bin.toString());
            assertTrue(run(Path.of(bin.get("executable").asString()), "crab").contains("HELLO, CRAB"), bin.toString());
            assertTrue(msgs.stream().anyMatch(m -> m.get("reason").asString().equals("build-script-executed")
                    && m.get("out_dir").asString().endsWith("/out")), msgs.toString());
            assertEquals(List.of("bin"), List.of(bin.get("target").get("kind").get(0).asString()));
            // Dependency order, as cargo's, fresh units too (a user review found the build script's after the lib
            // that uses it when part of the build was fresh); a build script is no executable of the package.
            List<String> order = msgs.stream().map(m -> m.get("reason").asString() + " " + (m.has("target")
                    ? m.get("target").get("name").asString() : "")).toList();
            int script = order.indexOf("compiler-artifact build-script-build");
            int ran = order.indexOf("build-script-executed ");
            int greet = order.indexOf("compiler-artifact greet");
            int hello = order.indexOf("compiler-artifact hello");
            assertTrue(0 <= script && script < ran && ran < greet && greet < hello, round + ": " + order);
            assertTrue(msgs.get(script).get("executable").isNull(), msgs.get(script).toString());
        }
        CliRun bad = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--message-format", "xml");
        assertEquals(2, bad.exitCode(), bad.stderr());
    }

    /** Builds {@code source} copied to {@code checkout} into a store at {@code home}; returns each path's NAR hash. */
    static java.util.SortedMap<String, String> buildInto(Path source, Path checkout, Path home, String... flags)
            throws Exception {
        copyTree(source, checkout);
        Map<String, String> env = CliRun.envWithHome(home);
        String[] args = new String[flags.length + 3];
        args[0] = "build";
        args[1] = "--dir";
        args[2] = checkout.toString();
        System.arraycopy(flags, 0, args, 3, flags.length);
        CliRun.run(new byte[0], env, args).assertOk();
        java.util.SortedMap<String, String> hashes = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.list(home.resolve("store"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                hashes.put(p.getFileName().toString(),
                        dev.crabstore.store.nar.NarDumper.digest(p).narHash().toString());
            }
        }
        return hashes;
    }

    @Test
    void twoCheckoutsInTwoStoresGiveTheSamePathsAndBytes() throws Exception {
        Tools.require("bwrap");
        Path example = Corpus.repoRoot().resolve("examples/hello-workspace");
        var a = buildInto(example, dir.resolve("a/hello-workspace"), dir.resolve("store-a"), "--offline");
        var b = buildInto(example, dir.resolve("b/elsewhere/deeper/hello-workspace"), dir.resolve("store-b"),
                "--offline");
        assertTrue(a.size() >= 10, a.toString());
        assertEquals(a, b);
    }

    @Test
    @Tag("slow")
    void twoCheckoutsOfMediumGiveTheSamePathsAndBytes() throws Exception {
        Tools.require("bwrap");
        Path medium = Corpus.workspace("medium");
        var a = buildInto(medium, dir.resolve("a/medium"), dir.resolve("store-a"), "--offline", "--locked");
        var b = buildInto(medium, dir.resolve("b/x/medium"), dir.resolve("store-b"), "--offline", "--locked");
        assertTrue(a.size() > 150, "units, sources and drvs of medium: " + a.size());
        assertEquals(a, b);
    }

    @Test
    void anUnchangedWorkspaceIsReplannedWithoutCargo() throws Exception {
        Tools.require("bwrap");
        Path ws = dir.resolve("hello-workspace");
        copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        // A cargo that records each call.
        Path calls = dir.resolve("cargo-calls");
        Path cargo = Files.writeString(dir.resolve("cargo-logging"), "#!/bin/sh\necho \"$*\" >> " + calls
                + "\nexec cargo \"$@\"\n");
        cargo.toFile().setExecutable(true);
        Map<String, String> env = env();
        env.put("CARGO", cargo.toString());
        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        assertEquals(2, Files.readAllLines(calls).size(), "metadata and unit graph");
        CliRun cached = CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        assertTrue(cached.stderr().contains("0 built"), cached.stderr());
        assertEquals(2, Files.readAllLines(calls).size(), "an unchanged workspace does not ask cargo");
        // A changed manifest invalidates the cached plan.
        Path manifest = ws.resolve("greet/Cargo.toml");
        append(manifest, "\n# changed\n");
        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline").assertOk();
        assertEquals(4, Files.readAllLines(calls).size(), "a changed manifest asks cargo again");
        // Other selection flags are another plan.
        CliRun.run(new byte[0], env, "build", "--dir", ws.toString(), "--offline", "--release").assertOk();
        assertEquals(6, Files.readAllLines(calls).size());
    }

    @Test
    void aCompileErrorFailsTheBuildWithRustcsDiagnostics() throws Exception {
        Tools.require("bwrap");
        Path ws = dir.resolve("hello-workspace");
        copyTree(Corpus.repoRoot().resolve("examples/hello-workspace"), ws);
        Path lib = ws.resolve("greet/src/lib.rs");
        append(lib, "\nfn broken() -> u32 { \"not a number\" }\n");
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("error[E0308]: mismatched types"), r.stderr());
        assertTrue(r.stderr().contains("error: could not compile `greet` (lib) due to 1 previous error\n"), r.stderr());
        // As cargo: the diagnostics, then the line that says which unit failed (it came first, above them).
        assertTrue(r.stderr().indexOf("error[E0308]") < r.stderr().indexOf("error: could not compile"), r.stderr());
        assertTrue(Files.notExists(ws.resolve("target/debug/hello")));
    }

    /**
     * {@code --tests} links each test executable as cargo names it, target/debug/deps/<crate>-<hash>, and it passes.
     * (Only greet's: hello's integration test needs {@code CARGO_BIN_EXE_hello}, which crabstore does not set yet.)
     */
    @Test
    void testExecutablesAreLinkedIntoDeps() throws Exception {
        Path ws = hello();
        CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "-p", "greet", "--tests")
                .assertOk();
        Path deps = ws.resolve("target/debug/deps");
        List<String> names;
        try (Stream<Path> s = Files.list(deps)) {
            names = s.map(p -> p.getFileName().toString()).toList();
        }
        assertEquals(1, names.size(), names.toString());
        assertTrue(names.get(0).matches("greet-[0-9a-f]{16}"), names.toString());
        Path exe = deps.resolve(names.get(0));
        assertTrue(Files.isSymbolicLink(exe) && Files.isExecutable(exe), exe.toString());
        String out = run(exe);
        assertTrue(out.contains("test tests::greets ... ok") && out.contains("test result: ok. 1 passed"), out);
    }

    /**
     * Run in a member's directory, below it, or with its manifest as {@code --manifest-path}, build selects what cargo
     * selects there (its unit graph's roots) and uses the workspace root's Cargo.lock and target/; it failed with
     * "hello/Cargo.lock: no lockfile" and, from hello/src, with "no Cargo.toml".
     */
    @Test
    void buildsFromAMemberDirectoryAsCargoDoes() throws Exception {
        Path ws = hello();
        Map<List<String>, Path> invocations = new java.util.LinkedHashMap<>();
        invocations.put(List.of("--dir", ws.resolve("hello").toString()), ws.resolve("hello"));
        invocations.put(List.of("--dir", ws.resolve("greet/src").toString()), ws.resolve("greet/src"));
        invocations.put(List.of("--manifest-path", ws.resolve("hello/Cargo.toml").toString()), ws);
        invocations.put(List.of("--manifest-path", ws.resolve("greet-macros/Cargo.toml").toString()), ws);
        invocations.put(List.of("--dir", ws.resolve("greet").toString(), "--workspace"), ws.resolve("greet"));
        for (var e : invocations.entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("build", "--offline", "-v"));
            args.addAll(e.getKey());
            CliRun r = CliRun.run(new byte[0], env(), args.toArray(String[]::new)).assertOk();
            List<String> cargoArgs = new java.util.ArrayList<>(e.getKey().subList(
                    e.getKey().get(0).equals("--dir") ? 2 : 0, e.getKey().size()));
            assertEquals(cargoRoots(e.getValue(), cargoArgs), linkedCrates(r.stderr()), e.getKey() + ": " + r.stderr());
        }
        assertTrue(Files.isSymbolicLink(ws.resolve("target/debug/hello")));
        assertTrue(Files.isSymbolicLink(ws.resolve("target/debug/libgreet.rlib")));
        for (String member : List.of("hello", "greet", "greet-macros", "greet/src")) {
            assertTrue(Files.notExists(ws.resolve(member).resolve("target")), member);
        }
    }

    /** {@code CARGO_TARGET_DIR} moves the links where cargo puts its artifacts (cargo metadata's target_directory). */
    @Test
    void linksIntoCargosTargetDirectory() throws Exception {
        Path ws = hello();
        Map<String, String> env = new HashMap<>(env());
        env.put("CARGO_TARGET_DIR", dir.resolve("elsewhere").toString());
        CliRun.run(new byte[0], env, "build", "--offline", "--dir", ws.resolve("hello/src").toString()).assertOk();
        assertTrue(Files.isSymbolicLink(dir.resolve("elsewhere/debug/hello")));
        assertTrue(Files.notExists(ws.resolve("target")));
        assertTrue(Files.notExists(ws.resolve("hello/target")));
    }

    /** The crates whose artifacts {@code build -v} linked: bins by name, libraries without lib and the extension. */
    static java.util.Set<String> linkedCrates(String stderr) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String line : stderr.split("\n")) {
            if (line.strip().startsWith("Linked ")) {
                String name = Path.of(line.strip().substring(7)).getFileName().toString();
                out.add(name.startsWith("lib") && name.contains(".") ? name.substring(3, name.lastIndexOf('.')) : name);
            }
        }
        return out;
    }

    /** The names of the root targets of cargo's own unit graph, run in {@code cwd} with {@code args}. */
    static java.util.Set<String> cargoRoots(Path cwd, List<String> args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("cargo", "build", "--offline", "-Z", "unstable-options",
                "--unit-graph"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("RUSTC_BOOTSTRAP", "1");
        Process p = pb.start();
        String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), json);
        tools.jackson.databind.JsonNode g = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json);
        java.util.Set<String> out = new java.util.TreeSet<>();
        g.get("roots").forEach(r -> out.add(g.get("units").get(r.asInt()).get("target").get("name").asString()));
        return out;
    }

    @Test
    @Tag("slow")
    void buildsTheSmallCorpusWorkspace() throws Exception {
        Tools.require("bwrap");
        Path ws = dir.resolve("small");
        copyTree(Corpus.workspace("small"), ws);
        CliRun r = CliRun.run(new byte[0], env(), "build", "--dir", ws.toString(), "--offline", "--locked")
                .assertOk();
        assertTrue(r.stderr().contains("Compiling clap v4"), r.stderr());
        Path exe = ws.resolve("target/debug/minigrep");
        assertTrue(run(exe, "--version").startsWith("minigrep 0.1.0"));
        Path input = Files.writeString(dir.resolve("in.txt"), "hello world\nfoo\nHello crab\n");
        assertEquals("hello world\nHello crab\n", run(exe, "-i", "hello", input.toString()));
    }
}
