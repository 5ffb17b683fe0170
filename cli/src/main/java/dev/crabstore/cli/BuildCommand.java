package dev.crabstore.cli;

import dev.crabstore.store.cargo.NoopFingerprint;
import dev.crabstore.store.local.StoreHome;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.build.BuildFailedException;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.local.LocalStore;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crabstore build}: cargo build, with every unit a derivation realised in the store. */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Build a cargo workspace: every compilation unit becomes a derivation realised in the store "
                + "(once per distinct input), and the artifacts are linked into target/<profile>/.")
public final class BuildCommand implements Runnable {
    private final CliContext context;

    @Mixin
    CargoSelectionOptions cargo;

    @Mixin
    StoreOptions options;

    @Option(names = {"-v", "--verbose"}, description = "Show each unit's derivation and the builder's output.")
    boolean verbose;

    public BuildCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        Path fingerprint = NoopFingerprint.file(StoreHome.fromEnvironment(context.env()).root(), context.args(),
                Path.of("").toAbsolutePath(), context.env());
        NoopFingerprint.delete(fingerprint);
        Path ws = cargo.workspace();
        Path buildPlan = cargo.buildPlan();
        AtomicInteger built = new AtomicInteger();
        AtomicInteger fresh = new AtomicInteger();
        java.util.Set<String> compiling = java.util.concurrent.ConcurrentHashMap.newKeySet();
        BuildListener listener = new BuildListener() {
            @Override
            public void fresh(StorePath p, Derivation d) {
                fresh.incrementAndGet();
            }

            @Override
            public void started(StorePath p, Derivation d) {
                String pkg = d.env().get("crabstorePackage");
                if (pkg != null && d.builder().equals("builtin:rustc") && (compiling.add(pkg) || verbose)) {
                    context.err().println("   Compiling " + pkg + (verbose ? " (" + p.baseName() + ")" : ""));
                } else if (verbose) {
                    context.err().println("    Building " + p.baseName());
                }
            }

            @Override
            public void built(StorePath p, Derivation d, String log, long millis) {
                built.incrementAndGet();
                if (!log.isBlank() && (verbose || d.env().containsKey("CARGO_PRIMARY_PACKAGE"))) {
                    context.err().print(Ansi.forStderr(log.endsWith("\n") ? log : log + "\n"));
                }
            }

            @Override
            public void failed(StorePath p, Derivation d, String message) {
                if (!message.startsWith("dependency ") && !message.startsWith("not built")) {
                    context.err().println(Ansi.forStderr("error: " + message));
                }
            }
        };
        try (LocalStore store = options.openStore(context)) {
            WorkspaceBuilder builder = new WorkspaceBuilder(store, context.env());
            WorkspaceBuilder.Result r = builder.build(ws, cargo.selection(), buildPlan, options.runner(context),
                    options.jobs(), options.keepGoing, options.timeout(), listener);
            double secs = (System.nanoTime() - start) / 1e9;
            if (!r.succeeded()) {
                throw new BuildFailedException("build failed after " + String.format(Locale.ROOT, "%.2f", secs)
                        + "s (" + built.get() + " units built)");
            }
            context.err().printf(Locale.ROOT, "    Finished `%s` profile in %.2fs: %d built, %d fresh%n", r.profile(),
                    secs, built.get(), fresh.get());
            if (verbose) {
                r.artifacts().forEach(a -> context.err().println("      Linked " + ws.relativize(a)));
            } else if (!context.args().isEmpty() && buildPlan == null) { // a plan file's content is not fingerprinted
                String summary = String.format(Locale.ROOT, "    Finished `%s` profile in {secs}s: 0 built, %d fresh%n",
                        r.profile(), built.get() + fresh.get());
                try {
                    NoopFingerprint.write(fingerprint, startMillis, builder.fingerprintInputs(ws, cargo.selection(),
                            r.planned(), r.artifacts()), new NoopFingerprint.Replay("", summary));
                } catch (java.io.IOException e) {
                    context.err().println("warning: cannot record the no-op fingerprint " + fingerprint + ": " + e);
                }
            }
        }
    }
}
