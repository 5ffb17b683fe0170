package dev.crabstore.cli;

import dev.crabstore.store.build.FetchUrlBuiltin;
import dev.crabstore.store.build.UnpackCrateBuiltin;
import dev.crabstore.store.fetch.VerifiedDownloader;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.sandbox.BwrapSandbox;
import dev.crabstore.store.sandbox.CommandRunner;
import dev.crabstore.store.sandbox.UnsandboxedRunner;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the commands that build: parallelism, keep-going, sandboxing. */
public final class StoreOptions {
    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Build N derivations at once (default: cores).")
    Integer jobs;

    @Option(names = "--keep-going", description = "Build what can be built when a derivation fails.")
    boolean keepGoing;

    @Option(names = "--no-sandbox", description = "Run builders without bubblewrap. Builds then see the whole "
            + "machine and are no longer hermetic, and the store must be at its logical path.")
    boolean noSandbox;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600",
            description = "Kill a builder running longer than this (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    int jobs() {
        return jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
    }

    @Option(names = "--substituters", paramLabel = "URLS",
            description = "Space-separated binary caches to fetch outputs from (default: the config's substituters, "
                    + "$CRABSTORE_SUBSTITUTERS).")
    String substitutersOption;

    @Option(names = "--trusted-public-keys", paramLabel = "KEYS",
            description = "Space-separated keys whose signatures are trusted (default: the config's, "
                    + "$CRABSTORE_TRUSTED_PUBLIC_KEYS).")
    String trustedKeysOption;

    @Option(names = "--no-substitute", description = "Build everything locally; ask no binary cache.")
    boolean noSubstitute;

    /** The configured substituters (config file, project file, environment, options), or null when there are none. */
    dev.crabstore.store.cache.Substituters substituters(CliContext context, LocalStore store,
            java.nio.file.Path workspace) {
        if (noSubstitute) {
            return null;
        }
        dev.crabstore.store.config.CrabstoreConfig config = dev.crabstore.store.config.CrabstoreConfig.load(
                context.env(), workspace);
        if (substitutersOption != null) {
            config = config.withSubstituters(words(substitutersOption));
        }
        if (trustedKeysOption != null) {
            config = config.withTrustedPublicKeys(words(trustedKeysOption));
        }
        if (config.substituters().isEmpty()) {
            return null;
        }
        dev.crabstore.core.sign.TrustedKeys trusted = dev.crabstore.core.sign.TrustedKeys.parse(
                String.join(" ", config.trustedPublicKeys()));
        if (trusted.isEmpty()) {
            context.err().println("warning: substituters are configured but no trusted-public-keys: only "
                    + "content-addressed paths can be substituted");
        }
        return dev.crabstore.store.cache.Substituters.open(config.substituters(), trusted, store.storeDir(),
                context.env(), store.home().root().resolve("var/substituters/misses"), config.negativeTtl(), Clock.systemUTC(),
                m -> context.err().println("warning: " + m));
    }

    private static List<String> words(String s) {
        return java.util.Arrays.stream(s.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    LocalStore openStore(CliContext context) {
        return LocalStore.open(StoreHome.fromEnvironment(context.env()), Clock.systemUTC());
    }

    CommandRunner runner(CliContext context) {
        if (noSandbox) {
            context.err().println("warning: building without a sandbox: builders can read the whole machine and reach "
                    + "the network, so outputs are not guaranteed to be reproducible");
            return new UnsandboxedRunner();
        }
        return BwrapSandbox.find(context.env()).orElseThrow(() -> new dev.crabstore.core.CrabstoreException(
                "bubblewrap (bwrap) is not installed: install it (apt-get install bubblewrap), or pass --no-sandbox "
                        + "to build without isolation"));
    }

    /** The builtins a derivation may name, and what their sandboxes mount. */
    record Builders(List<dev.crabstore.store.build.Builtin> builtins, List<dev.crabstore.store.sandbox.Mount> mounts) {}

    /**
     * Every builtin. The Rust ones run this machine's toolchain (probed here, mounted at /crabstore/toolchain) and
     * refuse derivations planned for another; without rustc they fail with the reason.
     */
    Builders builders(CliContext context) {
        List<dev.crabstore.store.build.Builtin> b = new java.util.ArrayList<>(List.of(
                new FetchUrlBuiltin(new VerifiedDownloader(Duration.ofSeconds(60))), new UnpackCrateBuiltin(),
                new dev.crabstore.store.build.FetchGitBuiltin()));
        List<dev.crabstore.store.sandbox.Mount> mounts = List.of();
        dev.crabstore.store.build.RustToolchainId id;
        try {
            dev.crabstore.store.cargo.RustToolchain tc = dev.crabstore.store.cargo.RustToolchain.probe(
                    java.nio.file.Path.of("").toAbsolutePath(), context.env());
            id = tc.id();
            mounts = List.of(dev.crabstore.store.sandbox.Mount.readOnly(tc.sysroot(), "/crabstore/toolchain"));
        } catch (dev.crabstore.core.CrabstoreException e) {
            id = new dev.crabstore.store.build.RustToolchainId("none", "no usable rustc: " + e.getMessage());
        }
        b.add(new dev.crabstore.store.build.RustcBuiltin(id));
        b.add(new dev.crabstore.store.build.BuildScriptRunBuiltin(id));
        return new Builders(b, mounts);
    }

    Duration timeout() {
        return Duration.ofSeconds(timeoutSeconds);
    }
}
