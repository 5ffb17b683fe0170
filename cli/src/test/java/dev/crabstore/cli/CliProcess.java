package dev.crabstore.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code crabstore} as a process of its own (a JVM on the test classpath, with the launcher's JVM options), for tests
 * where several run at once or one is killed. Its stdout and stderr go to files ({@code <log>.out}, {@code <log>.err}).
 */
record CliProcess(Process process, Path stdout, Path stderr) {
    static CliProcess start(Map<String, String> env, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xss4m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Files.createDirectories(log.getParent());
        Path out = log.resolveSibling(log.getFileName() + ".out");
        Path err = log.resolveSibling(log.getFileName() + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("LC_ALL", "C.UTF-8");
        return new CliProcess(pb.start(), out, err);
    }

    /** Waits for the exit and returns the code. */
    int await(long minutes) throws InterruptedException {
        if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("crabstore did not finish within " + minutes + " min: " + process.info());
        }
        return process.exitValue();
    }

    /**
     * SIGKILL, and waits until the process is gone. Then its children left behind (cargo, which nothing stops; a
     * sandbox, which bubblewrap's --die-with-parent stops an instant later) are killed and waited for too, so that
     * nothing writes into the store's scratch space once this returns.
     */
    void kill() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        if (!process.waitFor(1, TimeUnit.MINUTES)) {
            throw new AssertionError("a killed crabstore did not exit");
        }
        for (ProcessHandle c : children) {
            c.destroyForcibly();
            try {
                c.onExit().get(1, TimeUnit.MINUTES);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("a child of a killed crabstore did not exit: " + c.info(), e);
            }
        }
    }

    String out() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    String err() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }
}
