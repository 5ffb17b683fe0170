package dev.crabstore.cli;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.nar.NarDigest;
import dev.crabstore.store.nar.NarDumper;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crabstore store add [--dry-run] PATH}: the content-addressed store path of PATH, as {@code nix store add-path}. */
@Command(name = "add", mixinStandardHelpOptions = true,
        description = "Add PATH to the store by content (NAR sha256) and print its store path.")
public final class StoreAddCommand implements Runnable {
    private final CliContext context;

    @Option(names = "--dry-run", description = "Only print the store path PATH would get.")
    boolean dryRun;

    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "Store path name (default: PATH's file name).")
    String name;

    @Option(names = "--store-dir", paramLabel = "DIR", description = "Logical store dir (default: $CRABSTORE_STORE_DIR or /crabstore/store).")
    String storeDir;

    @Parameters(index = "0", paramLabel = "PATH")
    Path path;

    public StoreAddCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        if (!dryRun) {
            throw new CrabstoreException("adding to the local store is not available yet; use --dry-run to print the "
                    + "store path");
        }
        StoreDir sd = new StoreDir(storeDir != null ? storeDir
                : context.env().getOrDefault("CRABSTORE_STORE_DIR", StoreDir.DEFAULT.path()));
        String n = name != null ? name : path.toAbsolutePath().normalize().getFileName().toString();
        StorePath.validateName(n);
        NarDigest d = NarDumper.digest(path);
        context.out().println(sd.print(sd.makeSourcePath(n, d.narHash(), List.of(), false)));
    }
}
