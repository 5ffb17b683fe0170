package dev.crabstore.store.cargo;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.TestRunPlanner;
import dev.crabstore.planner.derive.TestRunPlanner.TestRun;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.build.Realiser;
import dev.crabstore.store.build.TestReport;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.Provenance;
import dev.crabstore.store.sandbox.CommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code crabstore test} after the build: one test-run derivation per test harness of a {@code cargo test} plan
 * ({@link TestRunPlanner}), realised up to {@code jobs} at a time. A run whose report is in the store is not run
 * again (its report is reused, marked cached) unless {@code rerun} asks for it; a rerun's report is shown and not
 * registered (the path already holds a passing report of the same derivation). A failed run registers nothing.
 * Without {@code noFailFast}, no new run starts after one failed (cargo test's default). Reports are fetched from the
 * builder's caches only after {@link #substituteRuns substituteRuns(true)}, and never for a rerun.
 */
public final class WorkspaceTester {
    private final WorkspaceBuilder builder;
    private final LocalStore store;
    private boolean substituteRuns;

    public WorkspaceTester(WorkspaceBuilder builder, LocalStore store) {
        this.builder = builder;
        this.store = store;
    }

    /**
     * Let a run whose passing report a trusted cache holds be substituted instead of run (by default test runs are
     * never fetched: a substituted report is the signer's word that the tests passed).
     */
    public WorkspaceTester substituteRuns(boolean yes) {
        this.substituteRuns = yes;
        return this;
    }

    /** How a test run ended. */
    public enum Status { PASSED, FAILED, NOT_RUN }

    /**
     * One run's result: its report (for a failed harness too; empty when it could not run), whether the report was
     * reused (not made by a run of this command), the binary cache a reused report was substituted from (now or by an
     * earlier command), and for a failure or a run that did not happen, why.
     */
    public record Outcome(TestRun run, Status status, boolean cached, Optional<String> substitutedFrom,
            Optional<TestReport> report, String error) {}

    /** Told of each outcome in the order of the runs (cargo's order), as soon as it and those before it are known. */
    @FunctionalInterface
    public interface Listener {
        void finished(Outcome outcome);
    }

    /** The test runs of a {@code cargo test} plan's harnesses, their {@code .drv} files written to the store. */
    public List<TestRun> plan(WorkspaceBuilder.Planned planned, List<String> testArgs) {
        List<TestRun> runs = TestRunPlanner.plan(planned.cargo().unitGraph(), planned.cargo().metadata(),
                planned.plan(), planned.settings(), planned.sources(), testArgs, store.storeDir());
        Map<StorePath, Derivation> drvs = new LinkedHashMap<>();
        runs.forEach(r -> drvs.put(r.drvPath(), r.drv()));
        Set<StorePath> valid = store.protectAll(drvs.keySet());
        drvs.forEach((p, d) -> {
            if (!valid.contains(p) && !builder.addDrv(d).equals(p)) {
                throw new IllegalStateException("the .drv of " + p + " was written under another path");
            }
        });
        return runs;
    }

    /**
     * Runs (or reuses) every test run; the harnesses must be built. {@code buildListener} hears of each derivation
     * as the realiser sees it (for timings).
     */
    public List<Outcome> run(WorkspaceBuilder.Planned planned, List<TestRun> runs, CommandRunner runner, int jobs,
            boolean noFailFast, boolean rerun, Duration timeout, BuildListener buildListener, Listener listener) {
        Realiser realiser = builder.testRealiser(planned.toolchain(), runner, 1, timeout, buildListener,
                substituteRuns && !rerun);
        Ordered ordered = new Ordered(runs.size(), listener);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs), r -> {
            Thread t = new Thread(r, "test");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int k = 0; k < runs.size(); k++) {
                int index = k;
                TestRun run = runs.get(k);
                all.add(CompletableFuture.runAsync(() -> {
                    Outcome o = stop.get() && !noFailFast ? new Outcome(run, Status.NOT_RUN, false, Optional.empty(),
                            Optional.empty(), "not run: an earlier test failed (--no-fail-fast runs every test)")
                            : runOne(realiser, run, rerun);
                    if (o.status() == Status.FAILED) {
                        stop.set(true);
                    }
                    ordered.done(index, o);
                }, pool));
            }
            all.forEach(CompletableFuture::join);
            return ordered.outcomes();
        } finally {
            pool.shutdownNow();
        }
    }

    private Outcome runOne(Realiser realiser, TestRun run, boolean rerun) {
        boolean valid = store.protect(run.out());
        try {
            if (valid && rerun) {
                TestReport[] fresh = new TestReport[1];
                realiser.rebuild(run.drvPath(), (out, tree) -> fresh[0] = TestReport.read(tree));
                return new Outcome(run, Status.PASSED, false, Optional.empty(), Optional.of(fresh[0]), "");
            }
            // A valid report makes this "fresh" for the realiser (and the timing report): nothing runs.
            Realiser.Outcome o = realiser.realise(List.of(run.drvPath())).get(run.drvPath());
            if (!o.succeeded()) {
                return failed(run, o.error().orElse("failed"));
            }
            // Substituted (now, or by an earlier command): the report of a run elsewhere, reused as a cached one is.
            Optional<String> from = store.provenance(run.out()).flatMap(Provenance::substitutedFrom);
            return new Outcome(run, Status.PASSED, valid || from.isPresent(), from,
                    Optional.of(TestReport.read(store.realPath(run.out()))), "");
        } catch (CrabstoreException e) {
            return failed(run, e.getMessage());
        }
    }

    private static Outcome failed(TestRun run, String message) {
        Optional<TestReport> report = TestReport.fromFailure(message);
        return new Outcome(run, Status.FAILED, false, Optional.empty(), report,
                report.isPresent() ? TestReport.failureReason(message) : message);
    }

    /** Hands outcomes to the listener in run order, each as soon as every earlier one is known. */
    private static final class Ordered {
        private final Outcome[] outcomes;
        private final Listener listener;
        private int next;

        Ordered(int size, Listener listener) {
            this.outcomes = new Outcome[size];
            this.listener = listener;
        }

        synchronized void done(int index, Outcome o) {
            outcomes[index] = o;
            while (next < outcomes.length && outcomes[next] != null) {
                listener.finished(outcomes[next++]);
            }
        }

        synchronized List<Outcome> outcomes() {
            return List.of(outcomes);
        }
    }

    /** Where the report of a run is on this machine (for fingerprints of an unchanged test command). */
    public Path reportPath(TestRun run) {
        return store.realPath(run.out());
    }
}
