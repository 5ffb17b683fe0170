package dev.crabstore.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real cargo builds of corpus workspaces, made once per suite run and shared by the tests that need one: the
 * conformance oracle (which reads the rustc invocations a recording {@code RUSTC_WRAPPER} saw) and the end-to-end
 * comparison of binaries (which runs cargo's binaries). Building each of the eight workspace/profile pairs once
 * instead of once per test class saves a large part of CI's time.
 *
 * <p>A build lives in {@code <repo>/target/corpus-cargo/<key>/}, {@code key} hashing the workspace, the flags, the
 * extra environment, the extra cargo config and the toolchain's versions. It is complete only when its {@code done}
 * marker exists; an incomplete one (a killed run) is deleted and built again. A file lock serialises JVMs.
 */
public final class CorpusCargoBuilds {
    private CorpusCargoBuilds() {}

    /** The recording wrapper: saves argv, env and cwd of every rustc call that compiles a crate, then runs rustc. */
    private static final String WRAPPER = """
            #!/usr/bin/env python3
            import json, os, sys, uuid
            d = os.environ.get("CRABREC_DIR")
            args = sys.argv[2:]
            if d and "--crate-name" in args:
                with open(os.path.join(d, uuid.uuid4().hex + ".json"), "w") as f:
                    json.dump({"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}, f)
            os.execv(sys.argv[1], sys.argv[1:])
            """;

    /**
     * One finished cargo build.
     *
     * @param workspace the copy cargo built in (its {@code target/} holds cargo's artifacts)
     * @param recordings one JSON file per recorded rustc call
     * @param log cargo's {@code -vv} output (build-script runs are parsed from it)
     * @param env what to run further cargo commands in this workspace with (same CARGO_HOME and wrapper, so that
     *     cargo reuses the build, but no recording)
     */
    public record Build(Path workspace, Path recordings, String log, Map<String, String> env) {}

    /** {@code cargo build -vv -j2 FLAGS} of a corpus workspace, with extra env and extra .cargo/config.toml text. */
    public static Build build(String workspace, List<String> flags, Map<String, String> extraEnv, String configToml)
            throws IOException, InterruptedException {
        Path source = Corpus.workspace(workspace);
        String key = key(workspace, flags, extraEnv, configToml);
        Path root = Corpus.repoRoot().resolve("target/corpus-cargo");
        Files.createDirectories(root);
        Path dir = root.resolve(workspace + "-" + key);
        try (FileChannel ch = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            Path ws = dir.resolve("ws");
            Path rec = dir.resolve("rec");
            Path wrapper = dir.resolve("rec.py");
            Map<String, String> env = new TreeMap<>(extraEnv);
            env.put("CARGO_HOME", dir.resolve("cargo-home").toString());
            env.put("RUSTC_WRAPPER", wrapper.toString());
            if (Files.exists(dir.resolve("done"))) {
                return new Build(ws, rec, Files.readString(dir.resolve("log"), StandardCharsets.UTF_8), env);
            }
            deleteTree(dir);
            Files.createDirectories(rec);
            Files.createDirectories(dir.resolve("cargo-home"));
            Corpus.copyWorkspace(source, ws);
            if (configToml != null) {
                Path file = Files.createDirectories(ws.resolve(".cargo")).resolve("config.toml");
                Files.writeString(file, (Files.exists(file) ? Files.readString(file) + "\n" : "") + configToml);
            }
            Files.writeString(wrapper, WRAPPER);
            if (!wrapper.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + wrapper + " executable");
            }
            Map<String, String> recording = new TreeMap<>(env);
            recording.put("CRABREC_DIR", rec.toString());
            List<String> cmd = new ArrayList<>(List.of("cargo", "build", "-vv", "-j2"));
            cmd.addAll(flags);
            String log = run(ws, recording, cmd);
            Files.writeString(dir.resolve("log"), log, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("done"), String.join(" ", cmd) + "\n");
            return new Build(ws, rec, log, env);
        }
    }

    /**
     * What cargo inherits from the JVM. A cached build is reused by later JVMs, whose environment differs (Maven
     * puts its command line in MAVEN_CMD_LINE_ARGS, for one): the recorded rustc env must not depend on it.
     */
    private static final List<String> INHERITED = List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL",
            "TMPDIR", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "SSL_CERT_DIR", "SSL_CERT_FILE");

    /** Runs a command the way these builds run cargo: a few variables of the JVM's env (INHERITED), plus env. */
    public static String run(Path cwd, Map<String, String> env, List<String> cmd)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        for (String k : INHERITED) {
            String v = System.getenv(k);
            if (v != null) {
                pb.environment().put(k, v);
            }
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " in " + cwd + " timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " in " + cwd + " failed (" + p.exitValue() + "):\n" + text);
        }
        return text;
    }

    private static String key(String workspace, List<String> flags, Map<String, String> extraEnv, String configToml)
            throws IOException, InterruptedException {
        StringBuilder s = new StringBuilder(workspace).append('\0').append(String.join("\u0001", flags)).append('\0')
                .append(new TreeMap<>(extraEnv)).append('\0').append(configToml).append('\0')
                .append(WRAPPER).append('\0');
        for (String k : INHERITED) {
            s.append(k).append('=').append(System.getenv(k)).append('\0');
        }
        Path cwd = Path.of("").toAbsolutePath();
        s.append(run(cwd, Map.of(), List.of("cargo", "-V"))).append(run(cwd, Map.of(), List.of("rustc", "-vV")));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    p.toFile().setWritable(true);
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
