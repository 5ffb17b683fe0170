package dev.crabstore.cli;

import dev.crabstore.store.local.GcRoots;
import dev.crabstore.store.local.StoreHome;
import picocli.CommandLine.Command;

/** {@code crabstore store roots}: lists the GC roots. */
@Command(name = "roots", mixinStandardHelpOptions = true, description = "List GC roots: each link and its store path.")
public final class StoreRootsCommand implements Runnable {
    private final CliContext context;

    public StoreRootsCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        StoreHome home = StoreHome.fromEnvironment(context.env());
        new GcRoots(home).roots().forEach((link, path) ->
                context.out().println(link + " -> " + home.storeDir().print(path)));
    }
}
