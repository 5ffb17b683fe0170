package dev.crabstore.cli;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.store.nar.NarDumper;
import java.nio.file.Path;

/**
 * Runs the few commands that scripts call in tight loops without building picocli's model, which costs about 0.2 s
 * of reflection per process. Only exact, option-free forms are taken here; everything else, including any error,
 * goes through the full command line, so behaviour and messages stay the same.
 */
final class FastPath {
    private FastPath() {}

    /** The exit code, or -1 when {@code args} is not a fast-path form. */
    static int tryRun(CliContext context, String[] args) {
        if (args.length == 3 && args[0].equals("nar") && args[1].equals("dump") && !args[2].startsWith("-")) {
            try {
                NarDumper.dump(Path.of(args[2]), context.out());
                context.out().flush();
                return ExitCodes.OK;
            } catch (CrabstoreException e) {
                context.err().println("error: " + e.getMessage());
                return ExitCodes.forException(e);
            }
        }
        return -1;
    }
}
