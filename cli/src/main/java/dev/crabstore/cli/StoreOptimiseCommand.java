package dev.crabstore.cli;

import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreOptimiser;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crabstore store optimise [--dry-run]}: identical store files become hard links to one inode. */
@Command(name = "optimise", aliases = "optimize", mixinStandardHelpOptions = true,
        description = "Replace identical files of the store paths by hard links to one copy (kept under "
                + "<store>/.links), as nix-store --optimise does, and print the bytes saved. Store paths' contents and "
                + "NAR hashes do not change; `crabstore gc` deletes the copies no path uses any more.")
public final class StoreOptimiseCommand implements Runnable {
    private final CliContext context;

    @Mixin
    StoreOptions options;

    @Option(names = "--dry-run", description = "Only count what would be linked and saved.")
    boolean dryRun;

    public StoreOptimiseCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        try (LocalStore store = options.openStore(context)) {
            StoreOptimiser.Result r = StoreOptimiser.optimise(store, dryRun,
                    m -> context.err().println("warning: " + m));
            context.out().printf(Locale.ROOT, "%d bytes %s%n", r.bytesSaved(), dryRun ? "would be saved" : "saved");
            context.err().printf(Locale.ROOT, "%d store paths, %d files: %d %s by hard links, %.2f MiB %s%n",
                    r.paths(), r.filesScanned(), r.filesLinked(), dryRun ? "would be replaced" : "replaced",
                    r.bytesSaved() / 1048576.0, dryRun ? "would be saved" : "saved");
        }
    }
}
