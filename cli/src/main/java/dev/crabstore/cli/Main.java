package dev.crabstore.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;

/** Entry point: parses the command line and maps typed errors to exit codes. */
public final class Main {
    /** When the process (or, in tests, the command) started, for the times printed. */
    static long STARTED = System.nanoTime();

    private Main() {}

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false);
        // What went to standard output comes before what follows on standard error (a summary after a list), also
        // when both are one pipe: standard output is buffered, standard error is not.
        PrintStream stdout = out;
        PrintStream err = new PrintStream(new java.io.FilterOutputStream(System.err) {
            @Override
            public void write(int b) throws java.io.IOException {
                stdout.flush();
                System.err.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                stdout.flush();
                System.err.write(b, off, len);
            }
        }, true);
        int code = run(new CliContext(System.in, out, err, System.getenv()), args);
        out.flush();
        System.exit(code);
    }

    /** Runs one command in-process; tests call this. */
    public static int run(CliContext context, String... args) {
        STARTED = System.nanoTime();
        context = context.withArgs(args);
        int fast = FastPath.tryRun(context, args);
        if (fast >= 0) {
            return fast;
        }
        int code = CrabstoreCommand.commandLine(context, args.length > 0 ? args[0] : null).execute(args);
        context.out().flush();
        return code;
    }
}
