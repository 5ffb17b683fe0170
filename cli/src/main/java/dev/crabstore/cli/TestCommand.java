package dev.crabstore.cli;

import dev.crabstore.planner.derive.TestRunPlanner;
import dev.crabstore.planner.derive.TestRunPlanner.TestRun;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.store.build.BuildFailedException;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.build.LibtestSummary;
import dev.crabstore.store.build.TestReport;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.cargo.LastTestRuns;
import dev.crabstore.store.cargo.NoopFingerprint;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.cargo.WorkspaceTester;
import dev.crabstore.store.cargo.WorkspaceTester.Outcome;
import dev.crabstore.store.cargo.WorkspaceTester.Status;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.timing.CpuMonitor;
import dev.crabstore.store.timing.ProcStatCpuUsage;
import dev.crabstore.store.timing.TimingRecorder;
import dev.crabstore.store.timing.TimingReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code crabstore test}: cargo test, with every test harness run a derivation. The harnesses (unit and integration
 * tests of {@code cargo test}'s unit graph; doctests are left out) are built as {@code build} builds, then each runs
 * in the sandbox as a {@code builtin:test-run} derivation whose output is its report. A harness whose derivation is
 * unchanged is not run again: its earlier (passing) report is shown, marked {@code (cached)}. A failed run is never
 * recorded. With {@code --substitute-test-runs}, a passing report that a trusted binary cache holds is fetched instead
 * of running the harness, and marked {@code (cached, substituted from URL)}; {@code --push} uploads the harnesses and
 * the passing reports.
 */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Build a cargo workspace's tests and run each test harness in the sandbox, as a derivation "
                + "whose output is its report: an unchanged harness is not run again, its earlier report is shown, "
                + "marked (cached). Failed runs are not recorded and fail the command. Doctests are not run.")
public final class TestCommand implements Runnable {
    private final CliContext context;

    @Mixin
    CargoSelectionOptions cargo;

    @Mixin
    StoreOptions options;

    @Mixin
    SubstitutionOptions substitution;

    @Mixin
    TimingsOptions timings;

    @Mixin
    PushOptions push;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, description = "Show each unit's derivation and the builder's output.")
    boolean verbose;

    @Option(names = "--no-fail-fast", description = "Run every test harness, even after one failed (default: no "
            + "harness starts after a failure).")
    boolean noFailFast;

    @Option(names = "--rerun", description = "Run every harness again, even those with a report in the store; the new "
            + "result is shown (and fails the command if it fails), the stored report is kept.")
    boolean rerun;

    @Option(names = "--no-run", description = "Build the test harnesses, do not run them.")
    boolean noRun;

    @Option(names = "--substitute-test-runs", description = "Fetch a test run's passing report from the trusted "
            + "substituters instead of running the harness, when one holds it (signed by a trusted key); shown marked "
            + "(cached, substituted from URL). Off by default: such a report is the signer's word that the tests "
            + "passed, not a run on this machine.")
    boolean substituteTestRuns;

    @Parameters(paramLabel = "ARGS", description = "Arguments for every test harness (libtest's: a name filter, "
            + "--ignored, --exact, --test-threads N, ...), as after `cargo test --`; they are part of the run's "
            + "derivation, so other arguments are another run.")
    List<String> testArgs = new ArrayList<>();

    public TestCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        timings.validate(spec.commandLine());
        push.validate(spec.commandLine());
        if (substituteTestRuns && substitution.noSubstitute) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--substitute-test-runs needs "
                    + "substituters, and --no-substitute asks none");
        }
        TimingRecorder recorder = timings.enabled() ? new TimingRecorder(java.time.Clock.systemUTC()) : null;
        try (CpuMonitor cpu = recorder == null ? null : new CpuMonitor(new ProcStatCpuUsage(), recorder,
                java.time.Duration.ofMillis(100))) {
            test(recorder);
        }
    }

    private void test(TimingRecorder recorder) {
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        Path fingerprint = NoopFingerprint.file(StoreHome.fromEnvironment(context.env()).root(), context.args(),
                Path.of("").toAbsolutePath(), context.env());
        NoopFingerprint.delete(fingerprint);
        Path ws = cargo.workspace();
        if (cargo.buildPlan != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--build-plan is for build: test "
                    + "needs cargo test's unit graph");
        }
        ProgressBar bar = new ProgressBar(context.err(), context.env());
        BuildProgress progress = new BuildProgress(bar, verbose, true);
        BuildListener listener = recorder == null ? progress : BuildListener.both(progress, recorder);
        try (LocalStore store = options.openStore(context);
                Substituters caches = substitution.open(context, store, ws)) {
            WorkspaceBuilder builder = new WorkspaceBuilder(store, context.env()).substituteFrom(caches);
            WorkspaceBuilder.Result r = builder.build(ws, cargo.selection().forTest(), null, options.runner(context),
                    options.jobs(), options.keepGoing, options.timeout(), planned -> {
                        bar.total(planned.plan().byPath().size());
                        progress.planned(planned.plan().byPath().size());
                        progress.name(planned);
                        return listener;
                    });
            progress.flushReplayed();
            bar.close();
            WorkspaceTester tester = new WorkspaceTester(builder, store).substituteRuns(substituteTestRuns);
            List<TestRun> runs = r.succeeded() ? tester.plan(r.planned(), testArgs) : List.of();
            if (!r.succeeded()) {
                if (recorder != null) {
                    writeTimings(recorder, store, r, runs, ws);
                }
                throw new BuildFailedException(String.format(Locale.ROOT, "could not compile the tests (%.2fs, %s "
                        + "built)", (System.nanoTime() - start) / 1e9, BuildProgress.plural(progress.built.get(), "unit")));
            }
            context.err().printf(Locale.ROOT, "    Finished `%s` profile in %.2fs: %s%n", r.profile(),
                    (System.nanoTime() - start) / 1e9, progress.counts());
            if (noRun) {
                for (TestRun run : runs) {
                    context.err().println("  Executable " + header(r, run, ws));
                }
                if (recorder != null) {
                    writeTimings(recorder, store, r, List.of(), ws);
                }
                pushResults(store, r, List.of());
                return;
            }
            Transcript transcript = new Transcript();
            List<Outcome> outcomes = tester.run(r.planned(), runs, options.runner(context), options.jobs(), noFailFast,
                    rerun, options.timeout(), recorder == null ? BuildListener.NONE : recorder,
                    o -> show(o, header(r, o.run(), ws), r, transcript));
            recordLastTest(store, ws, runs);
            if (recorder != null) {
                writeTimings(recorder, store, r, runs, ws);
            }
            String summary = summary(outcomes, false);
            context.err().printf(Locale.ROOT, "%s in %.2fs%n", summary, (System.nanoTime() - start) / 1e9);
            List<Outcome> failed = outcomes.stream().filter(o -> o.status() == Status.FAILED).toList();
            // The passing runs' reports are pushed even when another harness failed: each is a pass of its derivation.
            // Then a failed upload is a warning: the failed test is what the command reports.
            try {
                pushResults(store, r, outcomes);
            } catch (RuntimeException e) {
                if (failed.isEmpty()) {
                    throw e;
                }
                context.err().println(Ansi.forStderr("warning: the push failed: " + e.getMessage()));
            }
            if (!failed.isEmpty()) {
                throw new BuildFailedException(failed.size() + " test harness" + (failed.size() == 1 ? "" : "es")
                        + " failed: " + String.join(", ", failed.stream().map(o -> label(r, o.run())).toList()));
            }
            if (!rerun && !timings.enabled() && !verbose && !push.enabled()) {
                // The replay of an unchanged run: every report cached, the same output. Not after a push: the cache
                // may have changed since.
                transcript.err.add(summary(outcomes, true) + " in {secs}s\n");
                NoopFingerprint.Inputs in = builder.fingerprintInputs(ws, cargo.selection().forTest(), r.planned(),
                        r.artifacts());
                runs.forEach(run -> in.mustExist(tester.reportPath(run)));
                try {
                    NoopFingerprint.write(fingerprint, startMillis, in, transcript.replay(String.format(Locale.ROOT,
                            "    Finished `%s` profile in {secs}s: 0 built, %d fresh%n", r.profile(),
                            progress.total())));
                } catch (java.io.IOException e) {
                    context.err().println("warning: cannot record the no-op fingerprint " + fingerprint + ": " + e);
                }
            }
        }
    }

    /**
     * {@code --push}: the closures of the harnesses (and whatever else the unit graph's roots are) and of the passing
     * runs' reports (only those are ever registered), as {@code build --push} uploads its artifacts.
     */
    private void pushResults(LocalStore store, WorkspaceBuilder.Result r, List<Outcome> outcomes) {
        if (!push.enabled()) {
            return;
        }
        java.util.Set<dev.crabstore.core.path.StorePath> roots = r.planned().rootOutputs();
        // Not a report fetched from a cache: signing it would vouch for a run this machine never made.
        outcomes.stream().filter(o -> o.status() == Status.PASSED && o.substitutedFrom().isEmpty())
                .map(o -> o.run().out()).filter(store::isValid).forEach(roots::add);
        push.push(context, store, roots, substitution.config(context, cargo.workspace()));
    }

    /**
     * The reports this command can show as cached next time, and the runs' derivations (which keep the harnesses'
     * build closures under keep-outputs), kept as GC roots until the next test of its kind.
     */
    private void recordLastTest(LocalStore store, Path ws, List<TestRun> runs) {
        List<dev.crabstore.core.path.StorePath> reports = runs.stream().map(TestRun::out).filter(store::isValid)
                .toList();
        List<dev.crabstore.core.path.StorePath> drvs = runs.stream().map(TestRun::drvPath).filter(store::isValid)
                .toList();
        try {
            new LastTestRuns(store.home()).record(ws, cargo.selection(), testArgs, reports, drvs,
                    java.time.Instant.now());
        } catch (dev.crabstore.store.StoreIOException e) {
            context.err().println("warning: " + e.getMessage() + " (gc may delete this run's reports)");
        }
    }

    /**
     * What an unchanged rerun prints, stream by stream and in order (the fast path replays it, alternating between
     * stderr and stdout chunks, see {@link FastPath}).
     */
    static final class Transcript {
        final List<String> err = new ArrayList<>();
        final List<String> out = new ArrayList<>();

        NoopFingerprint.Replay replay(String finished) {
            List<String> e = new ArrayList<>(err);
            if (e.isEmpty()) {
                e.add("");
            }
            e.set(0, finished + e.get(0));
            return new NoopFingerprint.Replay(String.join(FastPath.CHUNK, out), String.join(FastPath.CHUNK, e));
        }
    }

    /** One harness's result, as cargo test shows it: the Running line, libtest's output, cargo's error line. */
    private void show(Outcome o, String header, WorkspaceBuilder.Result r, Transcript transcript) {
        if (o.status() == Status.NOT_RUN) {
            return;
        }
        String running = "     Running " + header + "\n";
        context.err().print(running);
        context.err().flush();
        if (o.report().isEmpty()) {
            context.err().println(Ansi.forStderr("error: " + o.error()));
            return;
        }
        TestReport report = o.report().get();
        boolean hasSummary = report.summary().isPresent();
        String mark = cachedMark(o);
        context.out().print(o.cached() ? markCached(report.stdout(), mark) : report.stdout());
        context.out().flush();
        context.err().print(report.stderr());
        if (o.status() == Status.FAILED) {
            context.err().println(Ansi.forStderr("error: test failed (" + o.error() + "), to rerun pass `"
                    + rerunFlags(r, o.run()) + "`"));
        } else if (o.cached() && !hasSummary) {
            context.err().println("     " + mark);
        }
        context.err().flush();
        // the transcript of a run where everything passed: what the next, unchanged run replays (all cached)
        transcript.err.add(running);
        transcript.out.add(markCached(report.stdout(), mark));
        transcript.err.add(report.stderr() + (hasSummary ? "" : "     " + mark + "\n"));
        transcript.out.add("");
    }

    /** {@code (cached)}, or {@code (cached, substituted from URL)} for a report that came from a binary cache. */
    static String cachedMark(Outcome o) {
        return o.substitutedFrom().map(from -> "(cached, substituted from " + from + ")").orElse("(cached)");
    }

    /** libtest's {@code test result:} lines with {@code mark} appended. */
    static String markCached(String stdout, String mark) {
        return stdout.replaceAll("(?m)^(test result: .*?)(\\r?)$",
                "$1 " + java.util.regex.Matcher.quoteReplacement(mark) + "$2");
    }

    /**
     * {@code Summary 3 test harnesses: 3 passed (2 cached), 0 failed; tests: 12 passed, 0 failed, 1 ignored}, with
     * {@code (2 cached, 1 of them substituted)} when reports came from a binary cache; {@code allCached} for the replay
     * of an unchanged run.
     */
    static String summary(List<Outcome> outcomes, boolean allCached) {
        int passed = 0;
        int cached = 0;
        int substituted = 0;
        int failed = 0;
        int notRun = 0;
        int tests = 0;
        int testsFailed = 0;
        int ignored = 0;
        for (Outcome o : outcomes) {
            switch (o.status()) {
                case PASSED -> passed++;
                case FAILED -> failed++;
                case NOT_RUN -> notRun++;
            }
            if (o.cached() || allCached) {
                cached++;
            }
            if (o.substitutedFrom().isPresent()) {
                substituted++;
            }
            if (o.report().isPresent() && o.report().get().summary().isPresent()) {
                LibtestSummary s = o.report().get().summary().get();
                tests += s.passed();
                testsFailed += s.failed();
                ignored += s.ignored();
            }
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "     Summary %d test harness%s: %d passed",
                outcomes.size(), outcomes.size() == 1 ? "" : "es", passed));
        if (cached > 0) {
            sb.append(" (").append(cached).append(" cached")
                    .append(substituted > 0 ? ", " + substituted + " of them substituted" : "").append(")");
        }
        sb.append(", ").append(failed).append(" failed");
        if (notRun > 0) {
            sb.append(", ").append(notRun).append(" not run");
        }
        sb.append(String.format(Locale.ROOT, "; tests: %d passed, %d failed, %d ignored", tests, testsFailed, ignored));
        return sb.toString();
    }

    /** {@code unittests src/lib.rs (target/debug/deps/greet-0f3c…)}: the source and the link to the harness. */
    private static String header(WorkspaceBuilder.Result r, TestRun run, Path ws) {
        Unit u = r.planned().cargo().unitGraph().unit(run.unit());
        MetadataPackage pkg = r.planned().cargo().metadata().pkg(u.pkgId(), "cargo metadata");
        String program = run.drv().env().get(TestRunPlanner.ENV_PROGRAM);
        String file = program.substring(program.lastIndexOf('/') + 1);
        Path cwd = Path.of("").toAbsolutePath();
        String where = file;
        for (Path a : r.artifacts()) {
            if (a.getFileName().toString().equals(file)) {
                where = a.startsWith(cwd) ? cwd.relativize(a).toString() : a.toString();
            }
        }
        return TestRunPlanner.describe(u, pkg) + " (" + where + ")";
    }

    /** {@code greet (lib test)}. */
    private static String label(WorkspaceBuilder.Result r, TestRun run) {
        Unit u = r.planned().cargo().unitGraph().unit(run.unit());
        MetadataPackage pkg = r.planned().cargo().metadata().pkg(u.pkgId(), "cargo metadata");
        return label(pkg.name(), u.target());
    }

    /** As cargo describes a test target: {@code greet (lib test)}, {@code hello (bin "hello" test)}, {@code hello
     * (test "cli")} (an integration test or bench is a test already). */
    static String label(String pkg, dev.crabstore.planner.unit.UnitTarget t) {
        return pkg + " (" + UnitLabels.described(t, "test") + ")";
    }

    /** What selects only this harness, as cargo suggests: {@code -p greet --lib}, {@code -p hello --test cli}. */
    private static String rerunFlags(WorkspaceBuilder.Result r, TestRun run) {
        Unit u = r.planned().cargo().unitGraph().unit(run.unit());
        MetadataPackage pkg = r.planned().cargo().metadata().pkg(u.pkgId(), "cargo metadata");
        String which = u.target().isLib() ? "--lib" : u.target().isBin() ? "--bin " + u.target().name()
                : u.target().kind().contains("test") ? "--test " + u.target().name()
                : "--" + u.target().kind().get(0) + " " + u.target().name();
        return "-p " + pkg.name() + " " + which;
    }

    private void writeTimings(TimingRecorder recorder, LocalStore store, WorkspaceBuilder.Result r, List<TestRun> runs,
            Path ws) {
        var nodes = TimingNodes.of(r.planned(), store.storeDir(), runs);
        String command = "crabstore " + String.join(" ", context.args());
        TimingReport report = recorder.report(nodes, n -> store.isValid(store.storeDir().parsePath(n.outPath())),
                command.strip(), options.jobs(), r.succeeded());
        Path file = timings.write(ws, report);
        context.err().println("      Timing report saved to " + file);
    }
}
