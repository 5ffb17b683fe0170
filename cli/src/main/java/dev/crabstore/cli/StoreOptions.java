package dev.crabstore.cli;

import dev.crabstore.store.build.FetchUrlBuiltin;
import dev.crabstore.store.build.UnpackCrateBuiltin;
import dev.crabstore.store.fetch.VerifiedDownloader;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.sandbox.BwrapSandbox;
import dev.crabstore.store.sandbox.CommandRunner;
import dev.crabstore.store.sandbox.UnsandboxedRunner;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the commands that build: parallelism, keep-going, sandboxing. */
public final class StoreOptions {
    @Option(names = {"-j", "--jobs"}, paramLabel = "N", converter = JobsConverter.class,
            description = "Build N derivations at once (default: cores); as in cargo, a negative N means the cores "
                    + "minus |N| (at least 1), and 0 is refused.")
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

    LocalStore openStore(CliContext context) {
        return LocalStore.open(StoreHome.fromEnvironment(context.env()), Clock.systemUTC());
    }

    /** The store, opened on its own thread while the command does what needs no store. */
    dev.crabstore.store.local.OpeningStore startOpeningStore(CliContext context) {
        return dev.crabstore.store.local.OpeningStore.start(StoreHome.fromEnvironment(context.env()), Clock.systemUTC());
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
                    Path.of("").toAbsolutePath(), context.env());
            id = tc.id();
            mounts = List.of(dev.crabstore.store.sandbox.Mount.readOnly(tc.sysroot(), "/crabstore/toolchain"));
        } catch (dev.crabstore.core.CrabstoreException e) {
            id = new dev.crabstore.store.build.RustToolchainId("none", "no usable rustc: " + e.getMessage());
        }
        b.add(new dev.crabstore.store.build.RustcBuiltin(id));
        b.add(new dev.crabstore.store.build.BuildScriptRunBuiltin(id));
        b.add(new dev.crabstore.store.build.TestRunBuiltin(id));
        return new Builders(b, mounts);
    }

    Duration timeout() {
        return Duration.ofSeconds(timeoutSeconds);
    }
}
