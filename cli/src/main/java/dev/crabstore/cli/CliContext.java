package dev.crabstore.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/** The process's standard streams and environment, injected into commands so tests can run them in-process. */
public record CliContext(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    public static CliContext system() {
        return new CliContext(System.in, System.out, System.err, System.getenv());
    }
}
