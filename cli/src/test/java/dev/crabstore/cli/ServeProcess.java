package dev.crabstore.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code crabstore serve} in a JVM of its own (with its own heap limit), started the way a user starts it, and
 * stopped with SIGINT. The JVM is started through python3 with SIGINT's default action restored, since a process
 * started in the background by a non-interactive shell inherits SIGINT ignored and the JVM then never sees it.
 */
final class ServeProcess implements AutoCloseable {
    final Process process;
    final String url;
    final Path stderr;

    private ServeProcess(Process process, String url, Path stderr) {
        this.process = process;
        this.url = url;
        this.stderr = stderr;
    }

    static ServeProcess start(Map<String, String> env, String maxHeap, Path stderr, String... serveArgs)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c",
                "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], "
                        + "sys.argv[1:])",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + maxHeap,
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve"));
        cmd.addAll(List.of(serveArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("LC_ALL", "C.UTF-8");
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("serving ")) {
            p.destroyForcibly();
            throw new AssertionError("serve did not start: " + line + "\n" + java.nio.file.Files.readString(stderr));
        }
        return new ServeProcess(p, line.substring(line.lastIndexOf(" on ") + 4), stderr);
    }

    /** Sends SIGINT and returns the exit code. */
    int interrupt() throws Exception {
        new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start().waitFor();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("serve did not stop within 20 s of SIGINT");
        }
        return process.exitValue();
    }

    String stderrText() throws IOException {
        return java.nio.file.Files.readString(stderr);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
