package dev.crabstore.cli;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.build.Realiser;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreVerifier;
import dev.crabstore.store.repair.StoreRepairer;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code crabstore store verify [--check-contents] [--repair]}: registered paths on disk (and intact), unregistered
 * ones found; with {@code --repair}, fixed from the substituters, by rebuilding, or by deleting debris.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check that every registered path exists (and with --check-contents has its recorded NAR hash) "
                + "and that the store holds nothing unregistered. Prints each problem; fails if there is any. With "
                + "--repair, fetch damaged paths again from the substituters or rebuild them from their derivers, and "
                + "delete unregistered debris; fails if a problem is left.")
public final class StoreVerifyCommand implements Runnable {
    private final CliContext context;

    @Option(names = "--check-contents", description = "Also hash every path and compare with the database.")
    boolean checkContents;

    @Option(names = "--repair", description = "Repair what is found: missing or corrupt paths from the substituters, "
            + "else by rebuilding their deriver (only if the rebuild has the registered NAR hash); unregistered "
            + "entries are deleted.")
    boolean repair;

    @Mixin
    StoreOptions options;

    @Mixin
    SubstitutionOptions substitution;

    public StoreVerifyCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        try (LocalStore store = options.openStore(context)) {
            List<StoreVerifier.Problem> problems = StoreVerifier.verify(store, checkContents);
            problems.forEach(p -> context.out().println(p));
            int n = store.database().allValidPaths().size();
            context.err().println("checked " + BuildProgress.plural(n, "path") + (checkContents ? (n == 1 ? " and its"
                    : " and their") + " contents" : "") + ": " + (problems.isEmpty() ? "no problems"
                    : BuildProgress.plural(problems.size(), "problem")));
            if (problems.isEmpty()) {
                return;
            }
            if (!repair) {
                throw new StoreIOException("the store has " + BuildProgress.plural(problems.size(), "problem"));
            }
            List<StoreRepairer.Outcome> outcomes;
            try (Substituters caches = substitution.open(context, store, null)) {
                outcomes = new StoreRepairer(store, caches, () -> realiser(store, caches), Clock.systemUTC(),
                        checkContents)
                        .repair(problems);
            }
            outcomes.forEach(o -> context.out().println(o));
            long left = outcomes.stream().filter(o -> !o.repaired()).count();
            context.err().println("repaired " + (outcomes.size() - left) + " of "
                    + BuildProgress.plural(outcomes.size(), "problem")
                    + (left > 0 ? "; " + left + " cannot be repaired" : ""));
            if (left > 0) {
                throw new StoreIOException(BuildProgress.plural(left, "problem") + " of the store cannot be repaired");
            }
        }
    }

    private Realiser realiser(LocalStore store, Substituters caches) {
        StoreOptions.Builders builders = options.builders(context);
        return new Realiser(store, options.runner(context), builders.builtins(), builders.mounts(), options.jobs(),
                false, options.timeout(), new BuildListener() {
                    @Override
                    public void started(StorePath p, Derivation drv) {
                        context.err().println("building '" + store.storeDir().print(p) + "'...");
                    }

                    @Override
                    public void failed(StorePath p, Derivation drv, String message) {
                        context.err().println("error: " + message);
                    }
                }).substituteFrom(caches);
    }
}
