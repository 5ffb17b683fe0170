package dev.crabstore.cli;

import dev.crabstore.store.nar.NarRestorer;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code crabstore nar restore PATH}: unpacks a NAR from stdin at PATH, which must not exist. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Unpack a NAR read from standard input at PATH (which must not exist). "
                + "Nothing is left at PATH if the archive is malformed or truncated.")
public final class NarRestoreCommand implements Runnable {
    private final CliContext context;

    @Parameters(index = "0", paramLabel = "PATH")
    Path path;

    public NarRestoreCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        NarRestorer.restore(new java.io.BufferedInputStream(context.in(), 1 << 16), path, "standard input");
    }
}
