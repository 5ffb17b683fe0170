package dev.crabstore.cli;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.GcRoots;
import dev.crabstore.store.local.LocalStore;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code crabstore store add-root LINK PATH}: makes LINK point to PATH and keeps PATH alive while LINK does. */
@Command(name = "add-root", mixinStandardHelpOptions = true,
        description = "Create the symlink LINK to store path PATH and register it as a GC root.")
public final class StoreAddRootCommand implements Runnable {
    private final CliContext context;

    @Mixin
    StoreOptions options;

    @Parameters(index = "0", paramLabel = "LINK")
    Path link;

    @Parameters(index = "1", paramLabel = "PATH")
    String path;

    public StoreAddRootCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        try (LocalStore store = options.openStore(context)) {
            StorePath p = store.followLinksToStorePath(path);
            if (!store.protect(p)) {
                throw new StoreIOException("path " + path + " is not valid in the store");
            }
            new GcRoots(store.home()).addRoot(link, p);
            context.out().println(link.toAbsolutePath().normalize() + " -> " + path);
        }
    }
}
