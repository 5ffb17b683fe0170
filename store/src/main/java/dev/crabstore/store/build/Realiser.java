package dev.crabstore.store.build;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationOutput;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.UnitDerivationPlanner;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.local.Canonicaliser;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.PathLocks;
import dev.crabstore.store.nar.NarDumper;
import dev.crabstore.store.sandbox.CommandRunner;
import dev.crabstore.store.sandbox.Mount;
import dev.crabstore.store.sandbox.ProcessOutcome;
import dev.crabstore.store.sandbox.SandboxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Realises derivations whose {@code .drv} files are in the store: every input derivation first, up to {@code jobs}
 * at a time, skipping those whose outputs are already valid. Each build runs in a private scratch directory: builtins
 * in-process, other builders in the sandbox, which sees the scratch store at the logical store dir, each path of the
 * input closure read-only inside it, and {@code /build}. Finished outputs are registered through
 * {@link LocalStore#registerOutput}; a failed build registers nothing.
 */
public final class Realiser {
    private final LocalStore store;
    private final CommandRunner runner;
    private final Map<String, Builtin> builtins;
    private final List<Mount> extraMounts;
    private final int jobs;
    private final boolean keepGoing;
    private final BuildListener listener;
    private final Duration timeout;
    private final Map<StorePath, Derivation> loaded = new ConcurrentHashMap<>();
    /** Derivations whose outputs were all valid when a realisation ordered them: fresh, not built elsewhere. */
    private final Set<StorePath> validWhenOrdered = ConcurrentHashMap.newKeySet();
    private Substituters substituters;
    /**
     * Derivations built even when a cache has their outputs (their inputs may still be substituted). Test runs by
     * default: a fetched report is the signer's word that the tests passed, which only
     * {@code test --substitute-test-runs} accepts ({@code realise} of a run's .drv runs it).
     */
    private java.util.function.Predicate<Derivation> neverSubstituted = RealisePlan.TEST_RUNS;
    /** The plan whose unneeded units the first {@link #realise} reports ({@link #reportingUnneeded}), or null. */
    private List<StorePath> wholePlan;
    private boolean wholePlanReported;
    /** Units reported fresh before realising: a fallback from a failed substitution may meet them again. */
    private final Set<StorePath> reportedEarly = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private PathLeakScanner leakScanner;
    private Map<String, String> provenanceDetails = Map.of();
    private boolean strictPaths;

    public Realiser(LocalStore store, CommandRunner runner, Collection<Builtin> builtins, List<Mount> extraMounts,
            int jobs, boolean keepGoing, Duration timeout, BuildListener listener) {
        this.store = store;
        this.runner = runner;
        this.builtins = new TreeMap<>();
        builtins.forEach(b -> this.builtins.put(b.name(), b));
        this.extraMounts = List.copyOf(extraMounts);
        this.jobs = Math.max(1, jobs);
        this.keepGoing = keepGoing;
        this.timeout = timeout;
        this.listener = listener;
    }

    /** Fetch outputs from these binary caches instead of building them, when they have them. */
    public Realiser substituteFrom(Substituters caches) {
        this.substituters = caches;
        return this;
    }

    /**
     * Never fetch the outputs of the derivations {@code which} accepts, even from a trusted cache: they are built
     * (their inputs are still substituted when a cache has them). Replaces the default, which is the test runs.
     */
    public Realiser neverSubstitute(java.util.function.Predicate<Derivation> which) {
        this.neverSubstituted = which;
        return this;
    }

    /**
     * Scan each output for these absolute prefixes before registering it; report what is found to the listener, and
     * with {@code strict} fail the build instead (nothing is registered).
     */
    public Realiser scanForPaths(PathLeakScanner scanner, boolean strict) {
        this.leakScanner = scanner;
        this.strictPaths = strict;
        return this;
    }

    /**
     * Derivations whose {@code .drv} files the caller has just written to the store (a plan's): {@link #load} takes
     * them as they are instead of reading and parsing each file back (0.1-0.4 s for a plan of 226).
     */
    public Realiser knowing(Map<StorePath, Derivation> written) {
        loaded.putAll(written);
        return this;
    }

    /** Extra facts recorded with what this realiser builds (e.g. the toolchain's version). */
    public Realiser recordWith(Map<String, String> details) {
        this.provenanceDetails = Map.copyOf(details);
        return this;
    }

    /** What became of one derivation. */
    public record Outcome(StorePath drvPath, Map<String, StorePath> outputs, Optional<String> error) {
        public boolean succeeded() {
            return error.isEmpty();
        }
    }

    /**
     * Realises {@code drvPaths} and their input derivations. Without keep-going the first failure stops the
     * scheduling of new builds; either way, the outcome of every requested derivation is returned.
     */
    public Map<StorePath, Outcome> realise(Collection<StorePath> drvPaths) {
        RealisePlan plan = plan(drvPaths);
        validWhenOrdered.addAll(plan.valid());
        boolean first;
        synchronized (this) { // the first call only: later ones are fallbacks inside it
            first = wholePlan != null && !wholePlanReported;
            wholePlanReported = true;
        }
        if (first) {
            reportUnneeded(plan);
        }
        Set<StorePath> substitutable = plan.toSubstitute().keySet();
        List<StorePath> order = plan.order();
        Map<StorePath, Integer> priority = dependentCounts(order, plan.toBuild());
        // Of the builds whose inputs are ready, the one more units wait for goes first (as cargo orders its queue):
        // the long chains of a graph start early instead of being left for the end, with one core busy.
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(jobs, jobs, 0,
                java.util.concurrent.TimeUnit.MILLISECONDS, new java.util.concurrent.PriorityBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "build");
                    t.setDaemon(true);
                    return t;
                });
        java.util.concurrent.atomic.AtomicLong submitted = new java.util.concurrent.atomic.AtomicLong();
        Map<StorePath, CompletableFuture<Outcome>> futures = new LinkedHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        // Builds ready at once are held until all are known, then handed over best first: an idle worker takes
        // whatever arrives first, so submitting them one by one would start the first in graph order instead.
        List<PrioritisedTask> held = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.Executor executor = task -> {
            synchronized (held) {
                if (!released.get()) {
                    held.add((PrioritisedTask) task);
                    return;
                }
            }
            pool.execute(task);
        };
        try {
            for (StorePath drvPath : order) {
                Derivation drv = load(drvPath);
                List<CompletableFuture<Outcome>> deps = new ArrayList<>();
                drv.inputDrvs().keySet().stream().map(futures::get).filter(java.util.Objects::nonNull)
                        .forEach(deps::add);
                CompletableFuture<Outcome> f = CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new))
                        .thenApplyAsync(ignored -> {
                            for (CompletableFuture<Outcome> d : deps) {
                                Outcome o = d.join();
                                if (!o.succeeded()) {
                                    return new Outcome(drvPath, Map.of(), Optional.of("dependency "
                                            + o.drvPath().baseName() + " failed"));
                                }
                            }
                            if (stop.get()) {
                                return new Outcome(drvPath, Map.of(), Optional.of("not built: an earlier build failed"));
                            }
                            Outcome o = buildOne(drvPath, drv, substitutable.contains(drvPath));
                            if (!o.succeeded() && !keepGoing) {
                                stop.set(true);
                            }
                            return o;
                        }, prioritised(executor, priority.getOrDefault(drvPath, 0), submitted));
                futures.put(drvPath, f);
            }
            synchronized (held) {
                released.set(true);
                held.stream().sorted().forEach(pool::execute);
                held.clear();
            }
            Map<StorePath, Outcome> result = new LinkedHashMap<>();
            for (StorePath p : drvPaths) {
                result.put(p, futures.get(p).join());
            }
            // Wait for everything started, so no build is left running when we return.
            futures.values().forEach(CompletableFuture::join);
            return result;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A task of the build pool: more waiting dependents first, then the order of submission. */
    private record PrioritisedTask(int priority, long seq, Runnable task)
            implements Runnable, Comparable<PrioritisedTask> {
        @Override
        public void run() {
            task.run();
        }

        @Override
        public int compareTo(PrioritisedTask o) {
            return priority != o.priority ? Integer.compare(o.priority, priority) : Long.compare(seq, o.seq);
        }
    }

    private static java.util.concurrent.Executor prioritised(java.util.concurrent.Executor pool,
            int priority, java.util.concurrent.atomic.AtomicLong submitted) {
        return r -> pool.execute(new PrioritisedTask(priority, submitted.incrementAndGet(), r));
    }

    /**
     * For each derivation to realise, how many others of {@code order} depend on it, directly or not ({@code order}
     * lists inputs before the derivations that use them).
     */
    private Map<StorePath, Integer> dependentCounts(List<StorePath> order, Set<StorePath> expanded) {
        Map<StorePath, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < order.size(); i++) {
            index.put(order.get(i), i);
        }
        List<List<Integer>> dependents = new ArrayList<>();
        order.forEach(p -> dependents.add(new ArrayList<>()));
        for (int i = 0; i < order.size(); i++) {
            StorePath p = order.get(i);
            if (!expanded.contains(p)) {
                continue; // valid or substitutable: its inputs are not built for it
            }
            for (StorePath in : load(p).inputDrvs().keySet()) {
                Integer j = index.get(in); // before p: an expanded derivation's inputs were visited first
                if (j != null) {
                    dependents.get(j).add(i);
                }
            }
        }
        java.util.BitSet[] reach = new java.util.BitSet[order.size()];
        Map<StorePath, Integer> out = new java.util.HashMap<>();
        for (int i = order.size() - 1; i >= 0; i--) {
            java.util.BitSet r = new java.util.BitSet(order.size());
            for (int d : dependents.get(i)) {
                r.set(d);
                r.or(reach[d]);
            }
            reach[i] = r;
            out.put(order.get(i), r.cardinality());
        }
        return out;
    }

    /** Parses a {@code .drv} from the store (cached). */
    public Derivation load(StorePath drvPath) {
        return loaded.computeIfAbsent(drvPath, p -> {
            if (!store.isValid(p)) {
                throw new StoreIOException("derivation " + store.storeDir().print(p) + " is not in the store");
            }
            return store.readDerivation(p);
        });
    }

    /**
     * What {@link #realise} does with {@code roots}: the derivations it substitutes (the caches asked top-down, a level
     * at a time, a level's queries in parallel) and those it builds ({@link RealisePlan}).
     */
    private RealisePlan plan(Collection<StorePath> roots) {
        return RealisePlan.decide(roots, this::load, store::protect, substituters, neverSubstituted);
    }

    private Outcome buildOne(StorePath drvPath, Derivation drv, boolean substitute) {
        SortedMap<String, StorePath> outputs = drv.outputPaths();
        if (outputs.size() != drv.outputs().size()) {
            return failed(drvPath, drv, "derivation " + drvPath.baseName()
                    + " has outputs without a known path (floating content-addressed outputs are not supported)");
        }
        if (outputs.values().stream().allMatch(store::protect)) {
            return validAlready(drvPath, drv, outputs);
        }
        // A cache given up during this run (it said so once) is not tried, nor warned about, unit by unit.
        if (substitute && outputs.values().stream().allMatch(p -> store.protect(p) || substituters.has(p))) {
            // Before taking the output locks: fetching takes each path's lock itself (and those of its references).
            try {
                Optional<Outcome> fetched = trySubstitute(drvPath, drv, outputs);
                if (fetched.isPresent()) {
                    return fetched.get();
                }
            } catch (CrabstoreException e) {
                listener.substitutionFailed(drvPath, drv, e.getMessage());
            }
            // Its inputs were not scheduled (it was to be fetched): realise them now, then build it.
            for (Outcome o : realise(drv.inputDrvs().keySet()).values()) {
                if (!o.succeeded()) {
                    return failed(drvPath, drv, "dependency " + o.drvPath().baseName() + " failed");
                }
            }
        }
        List<PathLocks.PathLock> held = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        try {
            for (StorePath out : new TreeSet<>(outputs.values())) {
                held.add(store.locks().lock(out));
            }
            // Another process may have built it while we waited.
            if (outputs.values().stream().allMatch(store::protect)) {
                return validAlready(drvPath, drv, outputs);
            }
            listener.started(drvPath, drv);
            long start = System.nanoTime();
            StringBuilder log = new StringBuilder();
            build(drvPath, drv, outputs, log, diagnostics);
            reportDiagnostics(drvPath, drv, diagnostics);
            listener.built(drvPath, drv, log.toString(), (System.nanoTime() - start) / 1_000_000);
            return new Outcome(drvPath, outputs, Optional.empty());
        } catch (CrabstoreException e) {
            reportDiagnostics(drvPath, drv, diagnostics);
            return failed(drvPath, drv, e.getMessage());
        } finally {
            for (PathLocks.PathLock l : held) {
                l.close();
            }
        }
    }

    /**
     * A unit whose outputs are valid without this realiser building or fetching them: valid from the start, fetched
     * here with another path's closure, built by another thread of this process (fresh), or by another process.
     */
    private Outcome validAlready(StorePath drvPath, Derivation drv, SortedMap<String, StorePath> outputs) {
        if (reportedEarly.contains(drvPath)) {
            return new Outcome(drvPath, outputs, Optional.empty());
        }
        replayDiagnostics(drvPath, drv);
        if (validWhenOrdered.contains(drvPath) || outputs.values().stream().anyMatch(store::registeredHere)) {
            listener.fresh(drvPath, drv);
        } else {
            listener.builtElsewhere(drvPath, drv);
        }
        return new Outcome(drvPath, outputs, Optional.empty());
    }

    /** Every output fetched from the caches, or empty (and the listener told why) when one could not be. */
    private Optional<Outcome> trySubstitute(StorePath drvPath, Derivation drv, SortedMap<String, StorePath> outputs) {
        listener.substituting(drvPath, drv);
        long bytes = 0;
        String from = null;
        for (StorePath out : outputs.values()) {
            if (store.protect(out)) {
                continue;
            }
            Substituters.Result r = substituters.substitute(store, out);
            if (!r.substituted()) {
                List<String> f = r.failures();
                listener.substitutionFailed(drvPath, drv, f.size() <= 2 ? String.join("; ", f)
                        : f.get(0) + "; " + f.get(1) + " (and " + (f.size() - 2) + " more)");
                return Optional.empty();
            }
            bytes += r.bytes();
            if (!r.from().get().isEmpty()) { // fetched by this call, not found valid once its lock was taken
                from = r.from().get();
                store.recordProvenance(out, dev.crabstore.store.local.Provenance.substituted(java.time.Instant.now(),
                        from));
            }
        }
        if (from == null) {
            return Optional.of(validAlready(drvPath, drv, outputs)); // no cache delivered any of them
        }
        keepFetchedLog(drvPath, drv, from);
        replayDiagnostics(drvPath, drv);
        listener.substituted(drvPath, drv, from, bytes);
        return Optional.of(new Outcome(drvPath, outputs, Optional.empty()));
    }

    /**
     * Reports as fresh, before anything else and in the given order, the derivations of {@code drvPaths} (a whole
     * plan, inputs first) whose outputs are valid when the first {@link #realise} starts, also those it need not look
     * at (their dependents' outputs being valid), each after the diagnostics kept from its build: cargo reports every
     * unit of its plan in dependency order, and shows a fresh unit's warnings again. (Left to the pool's threads, the
     * valid ones came in any order.)
     */
    public Realiser reportingUnneeded(List<StorePath> drvPaths) {
        this.wholePlan = List.copyOf(drvPaths);
        return this;
    }

    private void reportUnneeded(RealisePlan plan) {
        Set<StorePath> looked = new HashSet<>(plan.order());
        for (StorePath drvPath : wholePlan) {
            if (looked.contains(drvPath) && !plan.valid().contains(drvPath)) {
                continue; // built or fetched: reported when done
            }
            Derivation drv = load(drvPath);
            SortedMap<String, StorePath> outputs = drv.outputPaths();
            if (outputs.size() == drv.outputs().size() && outputs.values().stream().allMatch(store::isValid)) {
                reportedEarly.add(drvPath);
                replayDiagnostics(drvPath, drv);
                listener.fresh(drvPath, drv);
            }
        }
    }

    /**
     * A path package's unit fetched from a cache: its warnings are shown as if it had been built here (cargo shows a
     * workspace member's warnings on every build), from the log the cache keeps beside it, checked as untrusted text.
     * Other units are never shown warnings (cargo caps their lints), so their logs are not asked for.
     */
    private void keepFetchedLog(StorePath drvPath, Derivation drv, String from) {
        if (!drv.builder().equals("builtin:rustc") || !UnitDerivationPlanner.ofPathPackage(drv)) {
            return;
        }
        Diagnostics d = substituters.buildLog(from, drvPath).map(Diagnostics::fromCache).orElse(Diagnostics.NONE);
        if (!d.isEmpty()) {
            try {
                diagnosticLogs().write(drvPath, d);
            } catch (CrabstoreException e) {
                listener.diagnostics(drvPath, drv, d); // not kept for the next build, but shown now
            }
        }
    }

    /** What rustc reported when this unit was built here, shown again for a fresh unit as cargo does. */
    private void replayDiagnostics(StorePath drvPath, Derivation drv) {
        if (drv.builder().equals("builtin:rustc") || drv.builder().equals("builtin:build-script-run")) {
            Diagnostics kept = diagnosticLogs().read(drvPath);
            if (!kept.isEmpty()) {
                listener.diagnostics(drvPath, drv, kept);
            }
        }
    }

    private void reportDiagnostics(StorePath drvPath, Derivation drv, List<Diagnostic> diagnostics) {
        if (!diagnostics.isEmpty()) {
            listener.diagnostics(drvPath, drv, new Diagnostics(diagnostics));
        }
    }

    private DiagnosticLogs diagnosticLogs() {
        return new DiagnosticLogs(store.home().logDir());
    }

    private Outcome failed(StorePath drvPath, Derivation drv, String message) {
        listener.failed(drvPath, drv, message);
        return new Outcome(drvPath, Map.of(), Optional.of(message));
    }

    private void build(StorePath drvPath, Derivation drv, SortedMap<String, StorePath> outputs, StringBuilder log,
            List<Diagnostic> diagnostics) {
        produce(drvPath, drv, outputs, log, diagnostics, (outDirs, inputs) -> {
            List<String> leaked = new ArrayList<>();
            if (leakScanner != null && drv.outputs().values().stream().noneMatch(o -> o instanceof DerivationOutput.Fixed)
                    && !copiesUpstreamSource(drv)) {
                List<PathLeakScanner.Leak> found = new ArrayList<>();
                outDirs.values().forEach(d -> found.addAll(leakScanner.scan(d)));
                // A path the inputs already hold (a string literal of the source, a doc comment in a dependency's
                // metadata) was not put there by this build: it is the same wherever the build runs.
                List<PathLeakScanner.Leak> leaks = found.isEmpty() ? found : PathLeakScanner.notIn(found,
                        inputs.stream().map(store::realPath).toList());
                if (isTestHarness(drv)) {
                    // A test's CARGO_MANIFEST_DIR (its fixtures) is the package's place in the sandbox, where
                    // `crabstore test` runs it: the same on every machine, and there when the test reads it.
                    leaks = leaks.stream().filter(l -> !UnitDerivationPlanner.inSandboxSources(l.text())).toList();
                }
                if (!leaks.isEmpty()) {
                    if (strictPaths) {
                        StringBuilder sb = new StringBuilder(drvPath.baseName() + ": the output contains absolute "
                                + "paths outside the store (--strict-paths):");
                        leaks.forEach(l -> sb.append("\n  ").append(l));
                        throw new BuildFailedException(sb.toString());
                    }
                    listener.pathLeaks(drvPath, drv, leaks);
                    leaks.forEach(l -> leaked.add(l.toString()));
                }
            }
            // Before the outputs are registered: a kept log without valid outputs is never read (it is keyed by the
            // .drv, and only a fresh unit's is), while outputs registered without their log would lose their warnings.
            if (!diagnostics.isEmpty()) {
                diagnosticLogs().write(drvPath, new Diagnostics(diagnostics));
            }
            Set<StorePath> candidates = new TreeSet<>(inputs);
            candidates.addAll(outputs.values());
            for (Map.Entry<String, StorePath> e : outputs.entrySet()) {
                Optional<ContentAddress> ca = drv.outputs().get(e.getKey()) instanceof DerivationOutput.Fixed f
                        ? Optional.of(f.ca()) : Optional.empty();
                store.registerOutput(e.getValue(), outDirs.get(e.getKey()), candidates, Optional.of(drvPath), ca);
                store.recordProvenance(e.getValue(), dev.crabstore.store.local.Provenance.built(
                        java.time.Instant.now(), provenanceDetails, leaked));
            }
        });
    }

    /** A compilation of a test harness: libtest's ({@code --test}) or a test target's own main ({@code --cfg test}). */
    private static boolean isTestHarness(Derivation drv) {
        if (!drv.builder().equals("builtin:rustc")) {
            return false;
        }
        List<String> args = drv.args();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--test")
                    || args.get(i).equals("--cfg") && i + 1 < args.size() && args.get(i + 1).equals("test")) {
                return true;
            }
        }
        return false;
    }

    private boolean copiesUpstreamSource(Derivation drv) {
        Builtin b = drv.builder().startsWith("builtin:") ? builtins.get(drv.builder().substring("builtin:".length()))
                : null;
        return b != null && b.copiesUpstreamSource();
    }

    /** What is done with the outputs a builder produced, before its scratch space goes. */
    @FunctionalInterface
    private interface Finisher {
        void finish(Map<String, Path> outDirs, Set<StorePath> inputs) throws IOException;
    }

    /** Runs the builder of {@code drv} in a fresh scratch space and sandbox, and hands its outputs to {@code then}. */
    private void produce(StorePath drvPath, Derivation drv, SortedMap<String, StorePath> outputs, StringBuilder log,
            List<Diagnostic> diagnostics, Finisher then) {
        StoreDir sd = store.storeDir();
        Path scratch = store.newTempDir(drv.name());
        try {
            Path overlay = Files.createDirectories(scratch.resolve("store"));
            Path buildDir = Files.createDirectories(scratch.resolve("build"));
            Map<String, Path> outDirs = new TreeMap<>();
            outputs.forEach((name, p) -> outDirs.put(name, overlay.resolve(p.baseName())));
            Set<StorePath> inputs = inputClosure(drv);
            BuildJob job = new BuildJob(drvPath, drv, outDirs, buildDir, store, log, diagnostics,
                    (argv, env, cwd) -> runSandboxed(drvPath, argv, env, cwd, overlay, buildDir, inputs, sd));
            if (drv.builder().startsWith("builtin:")) {
                Builtin b = builtins.get(drv.builder().substring("builtin:".length()));
                if (b == null) {
                    throw new BuildFailedException("unknown builder '" + drv.builder() + "' in " + drvPath.baseName());
                }
                b.build(job);
            } else {
                runInSandbox(job, overlay, inputs, sd);
            }
            for (Map.Entry<String, StorePath> e : outputs.entrySet()) {
                Path built = outDirs.get(e.getKey());
                if (!Files.exists(built, LinkOption.NOFOLLOW_LINKS)) {
                    throw new BuildFailedException("builder for " + drvPath.baseName() + " did not produce output '"
                            + e.getKey() + "' (" + sd.print(e.getValue()) + ")\n" + log);
                }
                if (drv.outputs().get(e.getKey()) instanceof DerivationOutput.Fixed fixed) {
                    checkFixedOutput(drvPath, fixed.ca(), built);
                }
            }
            then.finish(outDirs, inputs);
        } catch (IOException e) {
            throw new StoreIOException("cannot prepare the build of " + drvPath.baseName(), e);
        } finally {
            Canonicaliser.deleteTree(scratch);
        }
    }

    /**
     * Rebuilds {@code drvPath} in a fresh sandbox without registering anything (its inputs must be valid and intact:
     * realise its input derivations first), and hands the canonical tree of each output to {@code then}, keyed by
     * output path. The trees are in scratch space that is deleted afterwards: {@code then} moves away what it keeps.
     * For repairing a damaged output from its derivation.
     *
     * @throws CrabstoreException if the build fails
     */
    public void rebuild(StorePath drvPath, java.util.function.BiConsumer<StorePath, Path> then) {
        Derivation drv = load(drvPath);
        SortedMap<String, StorePath> outputs = drv.outputPaths();
        if (outputs.size() != drv.outputs().size()) {
            throw new BuildFailedException("derivation " + drvPath.baseName()
                    + " has outputs without a known path (floating content-addressed outputs are not supported)");
        }
        listener.started(drvPath, drv);
        long start = System.nanoTime();
        StringBuilder log = new StringBuilder();
        produce(drvPath, drv, outputs, log, new ArrayList<>(), (outDirs, inputs) -> {
            for (Map.Entry<String, StorePath> e : outputs.entrySet()) {
                Path rebuilt = outDirs.get(e.getKey());
                Canonicaliser.canonicalise(rebuilt);
                then.accept(e.getValue(), rebuilt);
            }
        });
        listener.built(drvPath, drv, log.toString(), (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * The result of rebuilding a derivation whose outputs are valid: for each output, whether the rebuild's NAR hash
     * equals the registered one, and if not, which files differ.
     */
    /**
     * @param kept where the first rebuild that differed of each output was kept ({@code var/check/<output>}), as
     *             {@code nix-build --check --keep-failed} keeps {@code <out>.check}: to compare with diffoscope
     */
    public record CheckResult(StorePath drvPath, Derivation drv, Map<StorePath, List<String>> differences,
            Optional<String> error, Map<StorePath, Path> kept) {
        public boolean reproducible() {
            return error.isEmpty() && differences.values().stream().allMatch(List::isEmpty);
        }
    }

    /**
     * Rebuilds each of {@code drvPaths} (whose outputs must be valid) {@code rounds} times in a fresh sandbox, without
     * registering anything, and compares the outputs with the registered ones (as {@code nix-build --check}).
     */
    public List<CheckResult> check(Collection<StorePath> drvPaths, int rounds) {
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "check");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<CheckResult>> futures = new ArrayList<>();
            for (StorePath drvPath : drvPaths) {
                futures.add(CompletableFuture.supplyAsync(() -> checkOne(drvPath, rounds), pool));
            }
            List<CheckResult> out = new ArrayList<>();
            futures.forEach(f -> out.add(f.join()));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private CheckResult checkOne(StorePath drvPath, int rounds) {
        Derivation drv = load(drvPath);
        SortedMap<String, StorePath> outputs = drv.outputPaths();
        Map<StorePath, List<String>> diffs = new TreeMap<>();
        Map<StorePath, Path> kept = new TreeMap<>();
        try {
            for (StorePath out : outputs.values()) {
                if (!store.protect(out)) {
                    return new CheckResult(drvPath, drv, diffs, Optional.of("output " + store.storeDir().print(out)
                            + " is not valid: build it before checking it"), kept);
                }
            }
            listener.started(drvPath, drv);
            for (int round = 0; round < rounds; round++) {
                StringBuilder log = new StringBuilder();
                produce(drvPath, drv, outputs, log, new ArrayList<>(), (outDirs, inputs) -> {
                    for (Map.Entry<String, StorePath> e : outputs.entrySet()) {
                        Path rebuilt = outDirs.get(e.getKey());
                        Canonicaliser.canonicalise(rebuilt);
                        dev.crabstore.core.hash.Hash want = store.query(e.getValue()).orElseThrow().narHash();
                        dev.crabstore.core.hash.Hash got = NarDumper.digest(rebuilt).narHash();
                        if (!want.equals(got)) {
                            List<String> d = new ArrayList<>(TreeDiff.between(store.realPath(e.getValue()), rebuilt));
                            if (d.isEmpty()) {
                                d.add("NAR hash " + want + " vs " + got + " (file metadata differs)");
                            }
                            diffs.merge(e.getValue(), d, (a, b) -> a.isEmpty() ? b : a);
                            if (!kept.containsKey(e.getValue())) {
                                kept.put(e.getValue(), keepRebuild(e.getValue(), rebuilt));
                            }
                        } else {
                            diffs.putIfAbsent(e.getValue(), List.of());
                        }
                    }
                });
            }
            for (Map.Entry<StorePath, List<String>> d : diffs.entrySet()) {
                store.recordProvenance(d.getKey(), dev.crabstore.store.local.Provenance.checked(
                        store.provenance(d.getKey()).orElse(null), java.time.Instant.now(), d.getValue().isEmpty()));
            }
            return new CheckResult(drvPath, drv, diffs, Optional.empty(), kept);
        } catch (CrabstoreException e) {
            return new CheckResult(drvPath, drv, diffs, Optional.of(e.getMessage()), kept);
        }
    }

    /** Moves a rebuild that differs to {@code var/check/<output name>} (replacing an older one), for comparison. */
    private Path keepRebuild(StorePath out, Path rebuilt) {
        Path keep = store.home().root().resolve("var/check").resolve(out.baseName());
        try {
            Files.createDirectories(keep.getParent());
            Canonicaliser.deleteTree(keep);
            Files.move(rebuilt, keep, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.createDirectories(rebuilt); // the scratch dir's cleanup expects it
            return keep;
        } catch (IOException e) {
            throw new StoreIOException("cannot keep the rebuild of " + out.baseName() + " at " + keep, e);
        }
    }

    private void runInSandbox(BuildJob job, Path overlay, Set<StorePath> inputs, StoreDir sd) {
        List<String> argv = new ArrayList<>();
        argv.add(job.drv().builder());
        argv.addAll(job.drv().args());
        ProcessOutcome r = runSandboxed(job.drvPath(), argv,
                BuildEnvironment.of(job.drv(), sd, Runtime.getRuntime().availableProcessors()),
                BuildEnvironment.BUILD_DIR, overlay, job.buildDir(), inputs, sd);
        job.log().append(r.stdoutText()).append(r.stderrText());
        if (r.timedOut()) {
            throw new BuildFailedException("builder for " + job.drvPath().baseName() + " timed out after "
                    + timeout.toSeconds() + " s\n" + job.log());
        }
        if (r.exitCode() != 0) {
            throw new BuildFailedException("builder for " + job.drvPath().baseName() + " failed with exit code "
                    + r.exitCode() + "\n" + job.log());
        }
    }

    /** The sandbox of one build: its scratch store at the logical store dir, the input closure read-only inside it. */
    private ProcessOutcome runSandboxed(StorePath drvPath, List<String> argv, Map<String, String> env, String cwd,
            Path overlay, Path buildDir, Set<StorePath> inputs, StoreDir sd) {
        if (!runner.isHermetic()) {
            throw new BuildFailedException("building " + drvPath.baseName()
                    + " needs the sandbox (bubblewrap) to show the store at " + sd);
        }
        List<Mount> mounts = new ArrayList<>();
        mounts.add(Mount.writable(overlay, sd.path()));
        for (StorePath in : inputs) {
            mounts.add(Mount.readOnly(store.realPath(in), sd.print(in)));
        }
        mounts.add(Mount.writable(buildDir, BuildEnvironment.BUILD_DIR));
        mounts.addAll(sourceBinds(buildDir, sd));
        mounts.addAll(extraMounts);
        return runner.run(new SandboxSpec(argv, env, cwd, mounts, timeout));
    }

    /**
     * The package sources linked into the build dir ({@code /build/ws/greet -> /crabstore/store/…-source}) made bind
     * mounts at the same places: through a link, {@code greet/src/../../README.md} leads into the store, not to the
     * workspace's README.md beside {@code greet} (the {@code workspace-files} of .crabstore.toml), as it does on disk.
     */
    private List<Mount> sourceBinds(Path buildDir, StoreDir sd) {
        List<Mount> binds = new ArrayList<>();
        List<Path> links;
        try (java.util.stream.Stream<Path> s = Files.walk(buildDir)) {
            links = s.filter(Files::isSymbolicLink).toList();
        } catch (IOException e) {
            throw new StoreIOException("cannot list the build dir " + buildDir, e);
        }
        for (Path link : links) {
            try {
                String target = Files.readSymbolicLink(link).toString();
                if (!target.startsWith(sd.path() + "/")) {
                    continue;
                }
                String rest = target.substring(sd.path().length() + 1);
                int slash = rest.indexOf('/');
                StorePath p = sd.parsePath(sd.path() + "/" + (slash < 0 ? rest : rest.substring(0, slash)));
                Path host = store.realPath(p);
                if (slash >= 0) {
                    host = host.resolve(rest.substring(slash + 1));
                }
                Files.delete(link);
                if (Files.isDirectory(host)) {
                    Files.createDirectories(link);
                } else {
                    Files.createFile(link);
                }
                binds.add(Mount.readOnly(host, BuildEnvironment.BUILD_DIR + "/" + buildDir.relativize(link)));
            } catch (IOException e) {
                throw new StoreIOException("cannot mount the source linked at " + link, e);
            }
        }
        return binds;
    }

    /** Every store path the build may see: the input sources and input outputs, with their references. */
    private Set<StorePath> inputClosure(Derivation drv) {
        Deque<StorePath> todo = new ArrayDeque<>(drv.inputSrcs());
        drv.inputDrvs().forEach((in, names) -> {
            SortedMap<String, StorePath> outs = load(in).outputPaths();
            for (String n : names) {
                StorePath p = outs.get(n);
                if (p == null) {
                    throw new BuildFailedException("input derivation " + in.baseName() + " has no output '" + n + "'");
                }
                todo.add(p);
            }
        });
        Set<StorePath> closure = new TreeSet<>();
        while (!todo.isEmpty()) {
            StorePath p = todo.pop();
            if (closure.add(p)) {
                if (!store.protect(p)) {
                    throw new BuildFailedException("input " + store.storeDir().print(p) + " is not valid");
                }
                todo.addAll(store.query(p).orElseThrow(() -> new BuildFailedException("input "
                        + store.storeDir().print(p) + " is not valid")).references());
            }
        }
        return closure;
    }

    private static void checkFixedOutput(StorePath drvPath, ContentAddress ca, Path built) throws IOException {
        Hash actual;
        if (ca.method() == ContentAddressMethod.NAR) {
            HashingOutputStream h = HashingOutputStream.discarding(ca.hash().algorithm());
            NarDumper.dump(built, h);
            actual = h.hash();
        } else {
            if (!Files.isRegularFile(built, LinkOption.NOFOLLOW_LINKS)) {
                throw new BuildFailedException("fixed-output derivation " + drvPath.baseName()
                        + " must produce a regular file (flat hash)");
            }
            HashingOutputStream h = HashingOutputStream.discarding(ca.hash().algorithm());
            try (var in = Files.newInputStream(built)) {
                in.transferTo(h);
            }
            actual = h.hash();
        }
        if (!actual.equals(ca.hash())) {
            throw new BuildFailedException("hash mismatch in fixed-output derivation " + drvPath.baseName()
                    + ": specified " + ca.hash() + ", got " + actual);
        }
    }
}
