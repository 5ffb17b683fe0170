package dev.crabstore.cli;

import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.store.nar.NarDumper;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code crabstore hash path PATH}: the hash of PATH's NAR, as {@code nix-hash --type sha256 --base32} prints it. */
@Command(name = "path", mixinStandardHelpOptions = true, description = "Hash the NAR serialisation of each PATH.")
public final class HashPathCommand implements Runnable {
    private final CliContext context;

    @Mixin
    HashFormatOptions format;

    @Parameters(arity = "1..*", paramLabel = "PATH")
    java.util.List<Path> paths;

    public HashPathCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        for (Path p : paths) {
            HashingOutputStream h = HashingOutputStream.discarding(format.algorithm());
            NarDumper.dump(p, h);
            context.out().println(format.format(h.hash()));
        }
    }
}
