package dev.crabstore.cli;

import dev.crabstore.store.nar.NarDumper;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code crabstore nar dump PATH}: the NAR of a file or tree on stdout, like {@code nix-store --dump}. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Serialise PATH (file, symlink or directory) as a NAR on standard output.")
public final class NarDumpCommand implements Runnable {
    private final CliContext context;

    @Parameters(index = "0", paramLabel = "PATH")
    Path path;

    public NarDumpCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        NarDumper.dump(path, context.out());
        context.out().flush();
    }
}
