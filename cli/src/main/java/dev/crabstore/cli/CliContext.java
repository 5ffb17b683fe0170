package dev.crabstore.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** The process's standard streams and environment, injected into commands so tests can run them in-process. */
public record CliContext(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, List<String> args) {
    public CliContext {
        args = List.copyOf(args);
    }

    public CliContext(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        this(in, out, err, env, List.of());
    }

    /** The same streams and environment, for this command line (what no-op fingerprints are keyed by). */
    public CliContext withArgs(String... commandLine) {
        return new CliContext(in, out, err, env, List.of(commandLine));
    }

    /** The same context printing to another stdout. */
    public CliContext withOut(PrintStream other) {
        return new CliContext(in, other, err, env, args);
    }

    public static CliContext system() {
        return new CliContext(System.in, System.out, System.err, System.getenv());
    }
}
