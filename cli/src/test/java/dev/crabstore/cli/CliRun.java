package dev.crabstore.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the CLI in-process with captured streams. */
record CliRun(int exitCode, byte[] stdout, String stderr) {
    static CliRun run(byte[] stdin, Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new CliContext(new ByteArrayInputStream(stdin), new PrintStream(out, true),
                new PrintStream(err, true), env), args);
        return new CliRun(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    /** The test JVM's environment with a private store at {@code home} and the default store dir. */
    static Map<String, String> envWithHome(java.nio.file.Path home) {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("CRABSTORE_HOME", home.toString());
        env.remove("CRABSTORE_STORE_DIR");
        return env;
    }

    static CliRun run(String... args) {
        return run(new byte[0], System.getenv(), args);
    }

    String out() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    CliRun assertOk() {
        if (exitCode != 0) {
            throw new AssertionError("crabstore exited " + exitCode + ": " + stderr);
        }
        return this;
    }
}
