package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.S3Proxy;
import dev.crabstore.testkit.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: every command the user guide shows works. The {@code sh} blocks of {@code docs/guide.md} run in order, as
 * one shell script, in a scratch directory holding a copy of {@code examples/}, with {@code crabstore} on the PATH
 * (this build's classes), a fresh HOME (so a fresh store and config), and an S3-compatible server for the S3
 * section. Blocks preceded by {@code <!-- not run: reason -->} are skipped; their number is pinned here so that a
 * new unrun block is a decision, not an accident.
 */
@Tag("slow")
class DocsSnippetsTest {
    /** Stops what a failed script left running in the background (a {@code crabstore serve &}). */
    private static final String PROLOGUE = "set -eu\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n";

    @TempDir
    Path dir;

    /** A fenced block of a markdown file: its language, text, line, and whether the doc marks it as not run. */
    record Snippet(String file, int line, String language, String text, boolean notRun) {
    }

    static List<Snippet> snippets(Path md) throws IOException {
        List<String> lines = Files.readAllLines(md, StandardCharsets.UTF_8);
        List<Snippet> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (!l.startsWith("```") || l.length() == 3) {
                continue;
            }
            String lang = l.substring(3).trim();
            int start = i;
            StringBuilder text = new StringBuilder();
            for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                text.append(lines.get(i)).append('\n');
            }
            int prev = start - 1;
            while (prev >= 0 && lines.get(prev).isBlank()) {
                prev--;
            }
            boolean notRun = prev >= 0 && lines.get(prev).startsWith("<!-- not run:");
            out.add(new Snippet(md.getFileName().toString(), start + 1, lang, text.toString(), notRun));
        }
        return out;
    }

    @Test
    void theGuidesCommandsWork() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path repo = Corpus.repoRoot();
        List<Snippet> all = snippets(repo.resolve("docs/guide.md"));
        List<Snippet> run = all.stream().filter(s -> s.language().equals("sh") && !s.notRun()).toList();
        assertEquals(1, all.stream().filter(Snippet::notRun).count(), "blocks marked not run in the guide");
        assertTrue(run.size() >= 10, "sh blocks: " + run.size());

        Path work = Files.createDirectories(dir.resolve("work"));
        BuildCommandTest.copyTree(repo.resolve("examples"), work.resolve("examples"));
        deleteTargets(work.resolve("examples"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path launcher = bin.resolve("crabstore");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:TieredStopAtLevel=1 -cp '" + System.getProperty("java.class.path") + "' "
                + Main.class.getName() + " \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));

        StringBuilder script = new StringBuilder(PROLOGUE);
        for (Snippet s : run) {
            script.append("echo '>>> ").append(s.file()).append(':').append(s.line()).append("'\n");
            script.append(s.text());
        }
        Path scriptFile = dir.resolve("guide.sh");
        Files.writeString(scriptFile, script);

        try (S3Proxy s3 = S3Proxy.start(dir.resolve("s3"))) {
            Files.createDirectories(dir.resolve("s3/s3data/my-cache"));
            Map<String, String> env = new HashMap<>(System.getenv());
            String realHome = System.getProperty("user.home");
            env.putIfAbsent("RUSTUP_HOME", realHome + "/.rustup");
            env.putIfAbsent("CARGO_HOME", realHome + "/.cargo");
            env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
            env.remove("CRABSTORE_HOME");
            env.remove("CRABSTORE_STORE_DIR");
            env.remove("XDG_CONFIG_HOME");
            env.remove("XDG_DATA_HOME");
            env.remove("CRABSTORE_SUBSTITUTERS");
            env.remove("CRABSTORE_TRUSTED_PUBLIC_KEYS");
            env.put("CRABSTORE_PROGRESS", "never");
            env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
            env.put("S3_ENDPOINT", s3.endpoint().toString());
            env.put("AWS_ACCESS_KEY_ID", S3Proxy.ACCESS);
            env.put("AWS_SECRET_ACCESS_KEY", S3Proxy.SECRET);
            ProcessBuilder pb = new ProcessBuilder("bash", scriptFile.toString()).directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("guide.log").toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean done = p.waitFor(20, TimeUnit.MINUTES);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String log = Files.readString(dir.resolve("guide.log"));
            System.out.println(log);
            assertTrue(done, "the guide's commands did not finish within 20 minutes:\n" + log);
            assertEquals(0, p.exitValue(), "a command of the guide failed (the last '>>>' line names its block):\n"
                    + log);
            // What the guide says happens, happens.
            assertTrue(log.contains("0 built, 3 substituted"), "the second store substitutes everything:\n" + log);
            assertTrue(log.contains("StoreDir: /crabstore/store"), log);
        } finally {
            // a `crabstore serve &` the script could not stop
            ProcessHandle.current().descendants().filter(h -> h.info().commandLine().orElse("").contains(" serve "))
                    .forEach(ProcessHandle::destroy);
        }
    }

    /** The README shows two commands that CI runs itself (set-up, and the test suite); its other blocks are run. */
    @Test
    void theReadmesTourWorks() throws Exception {
        Tools.require("bwrap");
        Tools.require("cargo");
        Path repo = Corpus.repoRoot();
        List<Snippet> all = snippets(repo.resolve("README.md"));
        List<Snippet> notRun = all.stream().filter(Snippet::notRun).toList();
        assertEquals(1, notRun.size(), "README blocks marked not run");
        assertTrue(notRun.get(0).text().contains("./scripts/test.sh"), notRun.get(0).text());
        List<Snippet> run = all.stream().filter(s -> s.language().equals("sh") && !s.notRun()).toList();
        assertTrue(!run.isEmpty());
        Path work = Files.createDirectories(dir.resolve("repo"));
        BuildCommandTest.copyTree(repo.resolve("examples"), work.resolve("examples"));
        deleteTargets(work.resolve("examples"));
        Path launcher = work.resolve("crabstore");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:TieredStopAtLevel=1 -cp '" + System.getProperty("java.class.path") + "' "
                + Main.class.getName() + " \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        StringBuilder script = new StringBuilder(PROLOGUE);
        for (Snippet s : run) {
            script.append("echo '>>> README.md:").append(s.line()).append("'\n").append(s.text());
        }
        Files.writeString(dir.resolve("readme.sh"), script);
        Map<String, String> env = new HashMap<>(System.getenv());
        String realHome = System.getProperty("user.home");
        env.putIfAbsent("RUSTUP_HOME", realHome + "/.rustup");
        env.putIfAbsent("CARGO_HOME", realHome + "/.cargo");
        env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        env.remove("CRABSTORE_HOME");
        env.remove("XDG_CONFIG_HOME");
        env.remove("XDG_DATA_HOME");
        env.put("CRABSTORE_PROGRESS", "never");
        ProcessBuilder pb = new ProcessBuilder("bash", dir.resolve("readme.sh").toString()).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("readme.log").toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        boolean done = p.waitFor(10, TimeUnit.MINUTES);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("readme.log"));
        System.out.println(log);
        assertTrue(done, "README's commands did not finish:\n" + log);
        assertEquals(0, p.exitValue(), "a command of the README failed:\n" + log);
    }

    private static void deleteTargets(Path examples) throws IOException {
        try (var s = Files.walk(examples)) {
            List<Path> targets = s.filter(p -> p.getFileName().toString().equals("target")).toList();
            for (Path t : targets) {
                dev.crabstore.store.local.Canonicaliser.deleteTree(t);
            }
        }
    }
}
