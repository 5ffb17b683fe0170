package dev.crabstore.cli;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.nar.NarDigest;
import dev.crabstore.store.nar.NarDumper;
import java.nio.file.Path;
import java.time.Clock;
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

    @Option(names = "--store-dir", paramLabel = "DIR", description = "Logical store dir (default: $CRABSTORE_STORE_DIR or /crabstore/store). "
            + "The store itself lives in $CRABSTORE_HOME (default ~/.local/share/crabstore).")
    String storeDir;

    @Parameters(index = "0", paramLabel = "PATH")
    Path path;

    public StoreAddCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        StoreHome home = StoreHome.fromEnvironment(context.env());
        StoreDir sd = storeDir != null ? new StoreDir(storeDir) : home.storeDir();
        String n = name != null ? name : path.toAbsolutePath().normalize().getFileName().toString();
        StorePath.validateName(n);
        if (dryRun) {
            NarDigest d = NarDumper.digest(path);
            context.out().println(sd.print(sd.makeSourcePath(n, d.narHash(), List.of(), false)));
            return;
        }
        try (LocalStore store = LocalStore.open(new StoreHome(home.root(), sd), Clock.systemUTC())) {
            context.out().println(sd.print(store.addPath(path, n, p -> true)));
        }
    }
}
