package dev.crabstore.cli;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.build.BuildFailedException;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.cargo.LastBuilds;
import dev.crabstore.store.cargo.NoopFingerprint;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.OpeningStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.timing.CpuMonitor;
import dev.crabstore.store.timing.ProcStatCpuUsage;
import dev.crabstore.store.timing.TimingNode;
import dev.crabstore.store.timing.TimingRecorder;
import dev.crabstore.store.timing.TimingReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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

    @Mixin
    SubstitutionOptions substitution;

    @Mixin
    TimingsOptions timings;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, description = "Show each unit's derivation and the builder's output.")
    boolean verbose;

    @Option(names = "--message-format", paramLabel = "FMT", defaultValue = "human",
            description = "human (default) or json: cargo's JSON messages on stdout (compiler-artifact, "
                    + "build-script-executed, compiler-message, build-finished).")
    String messageFormat;

    @Option(names = "--check", description = "Then rebuild every unit in a fresh sandbox and compare its output with "
            + "the store's: report each unit that is not reproducible, with the files that differ, and fail.")
    boolean check;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1",
            description = "With --check: rebuild each unit N times (default 1).")
    int rounds;

    @Mixin
    PushOptions push;

    @Option(names = "--strict-paths", description = "Fail a unit whose output contains an absolute path outside the "
            + "store (the build dir, the checkout, $HOME, /tmp) instead of warning.")
    boolean strictPaths;

    public BuildCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        if (!messageFormat.equals("human") && !messageFormat.equals("json")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--message-format must be human or json, not '" + messageFormat + "'");
        }
        timings.validate(spec.commandLine());
        // Flags are checked before anything is planned or built: a bad value must leave the store untouched.
        var parsed = spec.commandLine().getParseResult();
        if (rounds < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rounds must be at least 1");
        }
        if (!check && parsed.hasMatchedOption("--rounds")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rounds needs --check");
        }
        push.validate(spec.commandLine());
        TimingRecorder recorder = timings.enabled() ? new TimingRecorder(java.time.Clock.systemUTC()) : null;
        try (CpuMonitor cpu = recorder == null ? null : new CpuMonitor(new ProcStatCpuUsage(), recorder,
                java.time.Duration.ofMillis(100))) {
            build(recorder);
        }
    }

    private void build(TimingRecorder recorder) {
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        Path fingerprint = NoopFingerprint.file(StoreHome.fromEnvironment(context.env()).root(), context.args(),
                Path.of("").toAbsolutePath(), context.env());
        NoopFingerprint.delete(fingerprint);
        Path ws = cargo.workspace();
        Path buildPlan = cargo.buildPlan();
        ProgressBar bar = new ProgressBar(context.err(), context.env());
        BuildProgress listener = new BuildProgress(bar, verbose, messageFormat.equals("human"));
        // cargo plans (on a plan-cache miss) while the store opens.
        WorkspaceBuilder.PlanStart planStart = WorkspaceBuilder.startPlan(
                StoreHome.fromEnvironment(context.env()).root(), ws, cargo.selection(), buildPlan, context.env());
        // The store opens on another core while the sources are hashed and the derivations made.
        try (OpeningStore opening = options.startOpeningStore(context);
                Substituters caches = substitution.open(context, opening.home(), ws)) {
            WorkspaceBuilder builder = new WorkspaceBuilder(opening.home(), opening, context.env())
                    .substituteFrom(caches).strictPaths(strictPaths);
            JsonMessages[] json = new JsonMessages[1];
            WorkspaceBuilder.Result r = builder.build(planStart, options.runner(context),
                    options.jobs(), options.keepGoing, options.timeout(), planned -> {
                        bar.total(planned.plan().byPath().size());
                        listener.planned(planned.plan().byPath().size());
                        listener.name(planned);
                        BuildListener l = recorder == null ? listener : BuildListener.both(listener, recorder);
                        if (!messageFormat.equals("json")) {
                            return l;
                        }
                        json[0] = new JsonMessages(context.out(), opening.get(), planned);
                        return BuildListener.both(l, json[0]);
                    });
            LocalStore store = opening.get();
            listener.flushReplayed();
            bar.close();
            // With --check or --push the command's verdict comes after them: build-finished says that one.
            boolean finishLater = json[0] != null && r.succeeded() && (check || push.enabled());
            if (json[0] != null && !finishLater) {
                json[0].finished(r.succeeded());
            }
            double secs = (System.nanoTime() - start) / 1e9;
            if (recorder != null) {
                writeTimings(recorder, store, r, ws);
            }
            if (!r.succeeded()) {
                throw new BuildFailedException("build failed after " + String.format(Locale.ROOT, "%.2f", secs)
                        + "s (" + BuildProgress.plural(listener.built.get(), "unit") + " built)");
            }
            context.err().printf(Locale.ROOT, "    Finished `%s` profile in %.2fs: %s%n", r.profile(), secs,
                    listener.counts());
            if (buildPlan == null) {
                recordLastBuild(store, ws, r);
            }
            try {
                if (push.enabled()) {
                    pushOutputs(store, r);
                }
                if (check) {
                    checkReproducible(builder, r, store);
                }
            } catch (RuntimeException e) {
                if (finishLater) {
                    json[0].finished(false);
                }
                throw e;
            }
            if (finishLater) {
                json[0].finished(true);
            }
            if (verbose) {
                r.artifacts().forEach(a -> context.err().println("      Linked " + ws.relativize(a)));
            } else if (!check && !push.enabled() && !context.args().isEmpty() && buildPlan == null
                    && messageFormat.equals("human") && !timings.enabled()) {
                // Not for a plan file (its content is not fingerprinted) nor a push (the cache may have changed),
                // nor --timings (every timed run writes its report).
                // An unchanged build shows the warnings of the workspace's units again, as cargo does.
                String summary = listener.shownDiagnostics(r.plan().drvPaths()) + String.format(Locale.ROOT,
                        "    Finished `%s` profile in {secs}s: 0 built, %d fresh%n", r.profile(), listener.total());
                try {
                    NoopFingerprint.write(fingerprint, startMillis, builder.fingerprintInputs(ws, cargo.selection(),
                            r.planned(), r.artifacts()), new NoopFingerprint.Replay("", summary));
                } catch (java.io.IOException e) {
                    context.err().println("warning: cannot record the no-op fingerprint " + fingerprint + ": " + e);
                }
            }
        } finally {
            planStart.abandon();
        }
    }

    /** What {@code why-rebuild} compares with: this build's unit derivations, its root ones kept as GC roots. */
    private void recordLastBuild(LocalStore store, Path ws, WorkspaceBuilder.Result r) {
        try {
            new LastBuilds(store.home()).record(ws, cargo.selection(), r.planned().roots(), r.plan().drvPaths(),
                    java.time.Instant.now());
        } catch (dev.crabstore.store.StoreIOException e) {
            context.err().println("warning: " + e.getMessage() + " (why-rebuild will not know this build)");
        }
    }

    /** {@code --timings}: the report of this build, its path printed as cargo does. */
    private void writeTimings(TimingRecorder recorder, LocalStore store, WorkspaceBuilder.Result r, Path ws) {
        List<TimingNode> nodes = TimingNodes.of(r.planned(), store.storeDir());
        String command = "crabstore " + String.join(" ", context.args());
        TimingReport report = recorder.report(nodes, n -> store.isValid(store.storeDir().parsePath(n.outPath())),
                command.strip(), options.jobs(), r.succeeded());
        Path file = timings.write(ws, report);
        context.err().println("      Timing report saved to " + file);
    }

    /**
     * {@code --check}: every unit rebuilt {@code rounds} times and compared; any difference fails the command. A unit
     * whose output is not in the store (a gc may have deleted a build script's binary after its run) is built, not
     * checked, as {@code nix-build --check} does; one that cannot be checked (or built) is reported as such, never as
     * not reproducible, and fails the command too.
     */
    private void checkReproducible(WorkspaceBuilder builder, WorkspaceBuilder.Result r, LocalStore store) {
        long t0 = System.nanoTime();
        WorkspaceBuilder.CheckReport report = builder.check(r, options.runner(context), options.jobs(),
                options.timeout(), rounds, new BuildListener() {
                    @Override
                    public void started(StorePath p, Derivation d) {
                        context.err().println("    Building " + packageOf(d) + " (" + d.name()
                                + ", not in the store: built, not checked)");
                    }
                }, new BuildListener() {
                    @Override
                    public void started(StorePath p, Derivation d) {
                        context.err().println("    Checking " + packageOf(d) + " (" + d.name() + ")");
                    }
                });
        int differ = 0;
        int unchecked = 0;
        for (var b : report.builtInstead().entrySet()) {
            if (b.getValue().isPresent()) {
                unchecked++;
                context.err().println("error: cannot build " + b.getKey().baseName() + " (its output was not in "
                        + "the store, so it was to be built, not checked): " + b.getValue().get());
            }
        }
        for (dev.crabstore.store.build.Realiser.CheckResult c : report.checked()) {
            if (c.error().isPresent()) {
                unchecked++;
                context.err().println("error: cannot check " + c.drv().name() + ": " + c.error().get());
            } else if (!c.reproducible()) {
                differ++;
                context.err().println("error: " + c.drv().name() + " is not reproducible ("
                        + c.drvPath().baseName() + "):");
                c.differences().forEach((out, lines) -> lines.forEach(l -> context.err().println("         " + l)));
                c.kept().forEach((out, at) -> context.err().println("         the rebuild is kept at " + at
                        + " (compare: diffoscope " + store.realPath(out) + " " + at + ")"));
            }
        }
        List<String> parts = new java.util.ArrayList<>();
        if (differ == 0 && unchecked == 0) {
            parts.add("all reproducible");
        }
        if (differ > 0) {
            parts.add(differ + " not reproducible");
        }
        if (unchecked > 0) {
            parts.add(unchecked + " could not be checked");
        }
        // A unit that could not be built is counted as not checked above, not here; one a cache delivered was
        // realised all the same, so "built or fetched".
        long realised = report.builtInstead().values().stream().filter(java.util.Optional::isEmpty).count();
        if (realised > 0) {
            parts.add(realised + " built or fetched instead (not in the store)");
        }
        int checked = report.checked().size();
        context.err().printf(Locale.ROOT, "     Checked %s (%s) in %.2fs: %s%n",
                BuildProgress.plural(checked, "derivation"), BuildProgress.plural(rounds, "round"),
                (System.nanoTime() - t0) / 1e9, String.join(", ", parts));
        if (differ > 0) {
            throw new BuildFailedException(differ + " of " + BuildProgress.plural(checked, "derivation")
                    + (differ == 1 ? " is" : " are") + " not reproducible"
                    + (unchecked > 0 ? " (and " + unchecked + " could not be checked)" : ""));
        }
        if (unchecked > 0) {
            throw new BuildFailedException(BuildProgress.plural(unchecked, "derivation")
                    + " could not be checked (see the errors above)");
        }
    }

    private static String packageOf(Derivation d) {
        return d.env().getOrDefault(dev.crabstore.planner.derive.UnitDerivationPlanner.ENV_PACKAGE, d.name());
    }

    /** 812 B, 3.4 KiB, 12.0 MiB. */
    static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** {@code --push}: the closure of the requested units' outputs into a binary cache, signed. */
    private void pushOutputs(LocalStore store, WorkspaceBuilder.Result r) {
        push.push(context, store, r.planned().rootOutputs(), substitution.config(context, cargo.workspace()));
    }
}
