package dev.crabstore.cli;

import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.planner.config.CrabstoreConfig;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.config.ConfigFiles;
import dev.crabstore.store.local.LocalStore;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;

/**
 * The binary caches {@code build} and {@code realise} fetch outputs from instead of building them (and that
 * {@code why-rebuild} asks, as {@code build} would).
 */
public final class SubstitutionOptions {
    @Option(names = "--substituters", paramLabel = "URLS",
            description = "Space-separated binary caches to fetch outputs from (default: the config files' "
                    + "substituters, $CRABSTORE_SUBSTITUTERS).")
    String substituters;

    @Option(names = "--trusted-public-keys", paramLabel = "KEYS",
            description = "Space-separated keys whose signatures are trusted (default: the config files', "
                    + "$CRABSTORE_TRUSTED_PUBLIC_KEYS).")
    String trustedKeys;

    @Option(names = "--no-substitute", description = "Build everything locally; ask no binary cache.")
    boolean noSubstitute;

    /** The settings these options leave to the config files and the environment, with these options applied. */
    CrabstoreConfig config(CliContext context, Path workspace) {
        CrabstoreConfig config = ConfigFiles.load(context.env(), workspace);
        if (substituters != null) {
            config = config.withSubstituters(CrabstoreConfig.words(substituters).orElseThrow());
        }
        if (trustedKeys != null) {
            config = config.withTrustedPublicKeys(CrabstoreConfig.words(trustedKeys).orElseThrow(),
                    "--trusted-public-keys");
        }
        return config;
    }

    /**
     * The configured substituters, or null when there are none or {@code --no-substitute} is given. Nothing is asked
     * of them before the first query.
     *
     * @param workspace the workspace whose {@code .crabstore.toml} counts, or null
     */
    Substituters open(CliContext context, LocalStore store, Path workspace) {
        return open(context, store.home(), workspace);
    }

    /** As above, for a store that may still be opening (only its home is needed). */
    Substituters open(CliContext context, dev.crabstore.store.local.StoreHome home, Path workspace) {
        if (noSubstitute) {
            return null;
        }
        CrabstoreConfig config = config(context, workspace);
        if (config.substituters().isEmpty()) {
            return null;
        }
        TrustedKeys trusted = TrustedKeys.parse(String.join(" ", config.trustedPublicKeys()));
        if (trusted.isEmpty()) {
            context.err().println("warning: substituters are configured but no trusted-public-keys: only "
                    + "content-addressed paths can be substituted");
        }
        return Substituters.open(config.substituters(), trusted, home.storeDir(), context.env(),
                home.root().resolve("var/substituters/misses"), config.negativeTtl(), config.downloadTimeout(),
                Clock.systemUTC(), m -> context.err().println("warning: " + m));
    }
}
