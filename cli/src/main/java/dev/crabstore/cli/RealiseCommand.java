package dev.crabstore.cli;

import dev.crabstore.core.drv.AtermParser;
import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.build.BuildFailedException;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.build.Realiser;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.local.LocalStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code crabstore realise DRV…}: builds derivations and prints their output paths, like {@code nix-store -r}. */
@Command(name = "realise", mixinStandardHelpOptions = true,
        description = "Build derivations (store paths of .drv files, or .drv files to add first) and print their "
                + "output paths.")
public final class RealiseCommand implements Runnable {
    private final CliContext context;

    @Mixin
    StoreOptions options;

    @Mixin
    SubstitutionOptions substitution;

    @Parameters(arity = "1..*", paramLabel = "DRV")
    List<String> drvs;

    public RealiseCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        try (LocalStore store = options.openStore(context)) {
            StoreDir sd = store.storeDir();
            List<StorePath> paths = new ArrayList<>();
            for (String d : drvs) {
                paths.add(resolve(store, d));
            }
            StoreOptions.Builders builders = options.builders(context);
            Realiser realiser = new Realiser(store, options.runner(context), builders.builtins(), builders.mounts(),
                    options.jobs(), options.keepGoing, options.timeout(), new BuildListener() {
                        @Override
                        public void started(StorePath p, Derivation drv) {
                            context.err().println("building '" + sd.print(p) + "'...");
                        }

                        @Override
                        public void failed(StorePath p, Derivation drv, String message) {
                            context.err().println("error: " + message);
                        }

                        @Override
                        public void substituted(StorePath p, Derivation drv, String from, long bytes) {
                            context.err().println("copying outputs of '" + sd.print(p) + "' from '" + from + "'...");
                        }

                        @Override
                        public void substitutionFailed(StorePath p, Derivation drv, String reason) {
                            context.err().println("warning: cannot substitute '" + sd.print(p) + "': " + reason);
                        }
                    });
            Map<StorePath, Realiser.Outcome> outcomes;
            try (Substituters caches = substitution.open(context, store, null)) {
                outcomes = realiser.substituteFrom(caches).realise(paths);
            }
            int failed = 0;
            for (Realiser.Outcome o : outcomes.values()) {
                if (o.succeeded()) {
                    o.outputs().values().forEach(p -> context.out().println(sd.print(p)));
                } else {
                    failed++;
                }
            }
            if (failed > 0) {
                throw new BuildFailedException(failed + " of " + outcomes.size() + " derivations failed to build");
            }
        }
    }

    /** A store path of a .drv, or a .drv file outside the store, which is added (its inputs must be in the store). */
    private static StorePath resolve(LocalStore store, String arg) {
        StoreDir sd = store.storeDir();
        if (sd.isInStore(arg)) {
            StorePath p = sd.parsePath(arg);
            if (!store.isValid(p)) {
                throw new StoreIOException("derivation " + arg + " is not in the store");
            }
            return p;
        }
        Path file = Path.of(arg);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreIOException("cannot read derivation file " + arg, e);
        }
        Derivation d = AtermParser.parse(text, sd, arg);
        for (StorePath ref : d.references()) {
            if (!store.isValid(ref)) {
                throw new StoreIOException("cannot add " + arg + ": its input " + sd.print(ref)
                        + " is not in the store");
            }
        }
        return store.addText(d.name() + ".drv", text.getBytes(StandardCharsets.UTF_8), d.references());
    }
}
