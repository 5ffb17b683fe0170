package dev.crabstore.cli;

import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.local.StoreVerifier;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code crabstore store verify [--check-contents]}: registered paths on disk, unregistered ones found. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check that every registered path exists (and with --check-contents has its recorded NAR hash) "
                + "and that the store holds nothing unregistered. Prints each problem; fails if there is any.")
public final class StoreVerifyCommand implements Runnable {
    private final CliContext context;

    @Option(names = "--check-contents", description = "Also hash every path and compare with the database.")
    boolean checkContents;

    public StoreVerifyCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(context.env()), Clock.systemUTC())) {
            List<StoreVerifier.Problem> problems = StoreVerifier.verify(store, checkContents);
            problems.forEach(p -> context.out().println(p));
            int n = store.database().allValidPaths().size();
            context.err().println("checked " + n + " paths" + (checkContents ? " and their contents" : "") + ": "
                    + (problems.isEmpty() ? "no problems" : problems.size() + " problems"));
            if (!problems.isEmpty()) {
                throw new dev.crabstore.store.StoreIOException("the store has " + problems.size() + " problems");
            }
        }
    }
}
