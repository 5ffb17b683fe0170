package dev.crabstore.cli;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.build.BuildFailedException;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.build.Realiser;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.local.LocalStore;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code crabstore fetch [cargo selection flags]}: the packages' sources into the store (downloaded, checked against
 * Cargo.lock and unpacked; git sources checked out), nothing compiled; as {@code cargo fetch}, so that the build
 * that follows can run offline.
 */
@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = "Fetch the sources of every package a build would need into the store (registry crates "
                + "verified against Cargo.lock and unpacked, git dependencies checked out), without compiling.")
public final class FetchCommand implements Runnable {
    private final CliContext context;

    @Mixin
    CargoSelectionOptions cargo;

    @Mixin
    StoreOptions options;

    @Mixin
    SubstitutionOptions substitution;

    public FetchCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        ProgressBar bar = new ProgressBar(context.err(), context.env());
        BuildProgress listener = new BuildProgress(bar, false, true);
        try (LocalStore store = options.openStore(context);
                Substituters caches = substitution.open(context, store, cargo.workspace())) {
            // Counted by package (a source derivation), not by derivation: a registry package is a download and an
            // unpack, and the download of one already unpacked is not even looked at.
            java.util.Set<StorePath> fresh = java.util.concurrent.ConcurrentHashMap.newKeySet();
            BuildListener freshRoots = new BuildListener() {
                @Override
                public void fresh(StorePath drvPath, dev.crabstore.core.drv.Derivation drv) {
                    fresh.add(drvPath);
                }
            };
            Map<StorePath, Realiser.Outcome> outcomes = new WorkspaceBuilder(store, context.env()).substituteFrom(caches)
                    .fetch(cargo.workspace(), cargo.selection(), options.runner(context), options.jobs(),
                            options.keepGoing, options.timeout(), BuildListener.both(listener, freshRoots));
            bar.close();
            long failed = outcomes.values().stream().filter(o -> !o.succeeded()).count();
            double secs = (System.nanoTime() - start) / 1e9;
            if (failed > 0) {
                throw new BuildFailedException("fetching failed after " + String.format(Locale.ROOT, "%.2f", secs)
                        + "s: " + failed + " of " + BuildProgress.plural(outcomes.size(), "source") + " could not be fetched");
            }
            long present = outcomes.keySet().stream().filter(fresh::contains).count();
            context.err().printf(Locale.ROOT, "     Fetched package sources in %.2fs: %s downloaded or unpacked, %d "
                    + "already in the store%n", secs, BuildProgress.plural(outcomes.size() - present, "package"),
                    present);
        }
    }
}
