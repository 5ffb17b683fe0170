package dev.crabstore.cli;

import picocli.CommandLine;

/** Entry point: parses the command line and maps typed errors to exit codes. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command in-process; tests call this. */
    public static int run(String... args) {
        return CrabstoreCommand.commandLine().execute(args);
    }
}
