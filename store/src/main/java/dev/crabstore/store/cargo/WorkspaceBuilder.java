package dev.crabstore.store.cargo;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationHasher;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.config.CargoConfig;
import dev.crabstore.planner.derive.PackageSource;
import dev.crabstore.planner.derive.TestRunPlanner;
import dev.crabstore.planner.derive.UnitDerivationPlan;
import dev.crabstore.planner.derive.UnitDerivationPlanner;
import dev.crabstore.planner.lock.CargoLock;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.PackageId;
import dev.crabstore.planner.unit.PlanSettings;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.build.BuildScriptRunBuiltin;
import dev.crabstore.store.build.FetchGitBuiltin;
import dev.crabstore.store.build.FetchUrlBuiltin;
import dev.crabstore.store.build.RealisePlan;
import dev.crabstore.store.build.Realiser;
import dev.crabstore.store.build.RustcBuiltin;
import dev.crabstore.store.build.TestRunBuiltin;
import dev.crabstore.store.build.UnpackCrateBuiltin;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.config.ConfigFiles;
import dev.crabstore.store.diff.StoreDerivations;
import dev.crabstore.store.fetch.VerifiedDownloader;
import dev.crabstore.store.local.GcRoots;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.nar.NarDigest;
import dev.crabstore.store.sandbox.CommandRunner;
import dev.crabstore.store.sandbox.Mount;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@code crabstore build} end to end: cargo's plan, sources into the store, one derivation per unit, realisation in
 * the sandbox, and the requested artifacts linked where cargo users expect them ({@code target/<profile>/}) as GC roots.
 */
public final class WorkspaceBuilder {
    /** The logical system of the derivations. */
    public static final String SYSTEM = "x86_64-linux";

    private final StoreHome home;
    private final Supplier<LocalStore> store;
    private final Map<String, String> env;
    private Substituters substituters;
    private boolean strictPaths;
    private String lastWorkspace;

    public WorkspaceBuilder(LocalStore store, Map<String, String> env) {
        this(store.home(), () -> store, env);
    }

    /**
     * A builder whose store may still be opening ({@link dev.crabstore.store.local.OpeningStore}): a plan waits for
     * it only once its sources are hashed and its derivations made, to write them.
     */
    public WorkspaceBuilder(StoreHome home, Supplier<LocalStore> store, Map<String, String> env) {
        this.home = home;
        this.store = store;
        this.env = env;
    }

    private LocalStore store() {
        return store.get();
    }

    /** Outputs with absolute paths outside the store fail their unit (instead of a warning). */
    public WorkspaceBuilder strictPaths(boolean strict) {
        this.strictPaths = strict;
        return this;
    }

    /** Units whose outputs these caches have are fetched, not built. */
    public WorkspaceBuilder substituteFrom(Substituters caches) {
        this.substituters = caches;
        return this;
    }

    /** What was built, where its artifacts are, and the profile of the requested units (as cargo names it). */
    public record Result(Planned planned, UnitDerivationPlan plan, Map<StorePath, Realiser.Outcome> outcomes,
            List<Path> artifacts, boolean succeeded, String profile) {}

    /**
     * A workspace's plan: cargo's answers, the toolchain, each package's source, the settings the units were planned
     * with and one derivation per unit.
     */
    public record Planned(CargoPlan cargo, RustToolchain toolchain, Map<String, PackageSource> sources,
            PlanSettings settings, UnitDerivationPlan plan) {
        /** The derivations of the requested units (the unit graph's roots): what a build realises. */
        public List<StorePath> roots() {
            List<StorePath> roots = new ArrayList<>();
            for (int r : cargo.unitGraph().roots()) {
                roots.add(plan.drvPaths().get(r));
            }
            return roots;
        }

        /** The outputs of the requested units: what {@code --push} uploads the closures of. */
        public java.util.SortedSet<StorePath> rootOutputs() {
            java.util.SortedSet<StorePath> outs = new java.util.TreeSet<>();
            for (int r : cargo.unitGraph().roots()) {
                outs.add(plan.outputs().get(r));
            }
            return outs;
        }

        /**
         * The workspace's target directory as cargo has it (cargo metadata's {@code target_directory}:
         * {@code CARGO_TARGET_DIR}, {@code build.target-dir}, else {@code <root>/target}).
         */
        public Path targetDir(Path ws) {
            String t = cargo.metadata().targetDirectory();
            return t.isEmpty() ? ws.resolve("target") : Path.of(t);
        }
    }

    /** Plans (from the plan cache when nothing changed) and writes every derivation to the store. */
    public Planned plan(Path workspace, CargoSelection selection) {
        return plan(workspace, selection, null);
    }

    /**
     * As {@link #plan(Path, CargoSelection)}; with a {@code buildPlan} file (a recorded legacy
     * {@code cargo build --build-plan}) the units come from it instead of {@code cargo build --unit-graph}. Such a
     * plan bypasses the plan cache, whose key does not cover the file; only {@code cargo metadata} runs.
     */
    public Planned plan(Path workspace, CargoSelection selection, Path buildPlan) {
        return plan(startPlan(home.root(), workspace, selection, buildPlan, env));
    }

    /**
     * The first step of a plan, which needs no open store: the plan cache looked up and, on a miss, cargo started
     * (about half a second, which a command can spend opening the store). Finish it with {@link #plan(PlanStart)}
     * or {@link #build(PlanStart, CommandRunner, int, boolean, Duration, java.util.function.Function)}, or
     * {@link PlanStart#abandon()} it.
     */
    public static final class PlanStart {
        private final Path ws;
        private final CargoSelection selection;
        private final Path buildPlan;
        private final PlanCache cache;
        private final String key;
        private final PlanCache.Entry entry;
        private final CompletableFuture<CargoPlan> cargoRun;

        private PlanStart(Path ws, CargoSelection selection, Path buildPlan, PlanCache cache, String key,
                PlanCache.Entry entry, CompletableFuture<CargoPlan> cargoRun) {
            this.ws = ws;
            this.selection = selection;
            this.buildPlan = buildPlan;
            this.cache = cache;
            this.key = key;
            this.entry = entry;
            this.cargoRun = cargoRun;
        }

        /** Waits for cargo if it was started (its outcome unused): no cargo is left running. */
        public void abandon() {
            if (cargoRun != null) {
                cargoRun.handle((r, x) -> null).join();
            }
        }
    }

    /**
     * Starts planning {@code workspace} for a store whose home is {@code storeRoot}: fails at once without a
     * Cargo.toml, else looks up the plan cache and, on a miss, starts cargo in the background.
     */
    public static PlanStart startPlan(Path storeRoot, Path workspace, CargoSelection selection, Path buildPlan,
            Map<String, String> env) {
        Path ws = workspace.toAbsolutePath().normalize();
        if (!Files.isRegularFile(ws.resolve("Cargo.toml"))) {
            throw new dev.crabstore.core.InvalidFormatException("no Cargo.toml in " + ws
                    + " (use --dir or --manifest-path to name the workspace)");
        }
        CargoPlanRunner runner = new CargoPlanRunner(env.getOrDefault("CARGO", "cargo"),
                CargoPlanRunner.cargoVariables(env));
        PlanCache cache = new PlanCache(storeRoot.resolve("var/plans"));
        String key = PlanCache.key(ws, selection, env);
        PlanCache.Entry entry = buildPlan != null ? null : cache.get(key, ws).orElse(null);
        // On a miss, cargo (about half a second) runs while the store opens and the lockfile, config and toolchain
        // are read.
        CompletableFuture<CargoPlan> cargoRun = entry != null ? null : CompletableFuture.supplyAsync(
                () -> buildPlan != null ? runner.planFromBuildPlan(ws, selection, buildPlan.toAbsolutePath())
                        : runner.plan(ws, selection));
        return new PlanStart(ws, selection, buildPlan, cache, key, entry, cargoRun);
    }

    /** The rest of a plan begun with {@link #startPlan}: its derivations are written to this builder's store. */
    public Planned plan(PlanStart start) {
        Path ws = start.ws;
        CargoSelection selection = start.selection;
        Path buildPlan = start.buildPlan;
        PlanCache cache = start.cache;
        String key = start.key;
        PlanCache.Entry entry = start.entry;
        CompletableFuture<CargoPlan> cargoRun = start.cargoRun;
        CargoConfig config;
        String target;
        RegistrySources.ReadLock early = null;
        CompletableFuture<Void> cacheWrite = CompletableFuture.completedFuture(null);
        try {
            if (cargoRun != null && Files.isRegularFile(ws.resolve("Cargo.lock"))) {
                early = RegistrySources.readLockText(ws.resolve("Cargo.lock"), null); // our own, precise errors before cargo's
            }
            config = CargoConfigFiles.load(ws, env, selection);
            target = explicitTarget(selection, config);
        } catch (RuntimeException e) {
            if (cargoRun != null) {
                cargoRun.handle((r, x) -> null).join(); // leave no cargo behind
            }
            throw e;
        }
        if (entry == null) {
            RustToolchain toolchain = RustToolchain.probe(ws, env, target, config);
            entry = new PlanCache.Entry(join(cargoRun), toolchain);
            if (buildPlan == null) {
                PlanCache.Entry e = entry;
                cacheWrite = CompletableFuture.runAsync(() -> cache.put(key, ws, e));
            }
        }
        // cargo may have written the lockfile (created or updated it): parse again only then.
        RegistrySources.ReadLock now = RegistrySources.readLockText(ws.resolve("Cargo.lock"), early);
        CargoLock lock = now.lock();
        Map<String, PackageSource> sources = new HashMap<>();
        // cargo test's graph has doctest units (rustdoc --test runs): crabstore leaves doctests out.
        CargoPlan cargo = entry.cargo();
        UnitGraph units = cargo.unitGraph().withoutDoctests();
        if (units != cargo.unitGraph()) {
            cargo = new CargoPlan(units, cargo.metadata(), cargo.unitGraphJson(), cargo.metadataJson());
        }
        PlanSettings settings = settings(cargo.unitGraph(), entry.toolchain(), config, target, ws)
                .withoutHarness(HarnessFreeTargets.of(cargo.unitGraph(), cargo.metadata()))
                .withLintFlags(PackageLints.of(cargo.unitGraph(), cargo.metadata()))
                .withReleaseProfiles(ProfileRoots.releaseLike(Path.of(cargo.metadata().workspaceRoot(), "Cargo.toml")));
        Derived derived = derive(ws, cargo, entry.toolchain(), lock, config, settings, sources);
        join(cacheWrite);
        return new Planned(cargo, entry.toolchain(), sources, derived.settings(), derived.plan());
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** {@code --target} from the command line, else {@code build.target}; null when building for the host only. */
    static String explicitTarget(CargoSelection selection, CargoConfig config) {
        List<String> t = selection.values("--target");
        if (t.size() > 1) {
            throw new dev.crabstore.core.InvalidFormatException("crabstore builds one --target at a time, got " + t);
        }
        return t.isEmpty() ? config.buildTarget().orElse(null) : t.get(0);
    }

    /**
     * The toolchain and cargo config inputs of the synthesis: RUSTFLAGS, linker and [env], as cargo resolves them.
     * No package is primary: cargo's {@code CARGO_PRIMARY_PACKAGE} only tells lint drivers (clippy) which packages
     * the command line selected, and in a derivation it would make {@code build -p app} after {@code build} compile
     * the other members again, which cargo does not (`cargo build -p textkit-cli` after `cargo build` of the corpus's
     * medium leaves every unit fresh).
     */
    PlanSettings settings(UnitGraph g, RustToolchain toolchain, CargoConfig config, String target, Path ws) {
        String triple = target != null ? target : toolchain.host();
        List<String> rustflags = config.rustflags(triple, toolchain.cfg());
        Map<String, String> extraEnv = new java.util.TreeMap<>();
        config.env(env).forEach((k, v) -> extraEnv.put(k, sandboxPath(ws, v)));
        String linker = config.linker(triple).map(l -> sandboxPath(ws, l)).orElse(null);
        PlanSettings s = new PlanSettings("cargo", "/crabstore/toolchain/bin/rustc", "/crabstore/toolchain/bin/rustdoc",
                toolchain.host(), target != null, rustflags, List.of(), linker, 2, toolchain.cfg(),
                Set.of(), extraEnv);
        // The toolchain's cfg was probed under these flags, so with target-cpu=native it has this CPU's features.
        boolean nativeCpu = rustflags.stream().anyMatch(f -> f.endsWith("target-cpu=native"));
        return nativeCpu ? s.withHostCpu(toolchain.nativeCpu(ws, env)) : s;
    }

    /** A path inside the workspace as builds see it (the checkout's location must not enter a derivation). */
    static String sandboxPath(Path ws, String value) {
        String root = ws.toString();
        if (value.equals(root)) {
            return UnitDerivationPlanner.WORKSPACE;
        }
        return value.startsWith(root + "/") ? UnitDerivationPlanner.WORKSPACE + value.substring(root.length()) : value;
    }

    public Result build(Path workspace, CargoSelection selection, CommandRunner runner, int jobs, boolean keepGoing,
            Duration timeout, BuildListener listener) {
        return build(workspace, selection, null, runner, jobs, keepGoing, timeout, listener);
    }

    /** As above; a non-null {@code buildPlan} (legacy {@code --build-plan} file) gives the units, see {@link #plan}. */
    public Result build(Path workspace, CargoSelection selection, Path buildPlan, CommandRunner runner, int jobs,
            boolean keepGoing, Duration timeout, BuildListener listener) {
        return build(workspace, selection, buildPlan, runner, jobs, keepGoing, timeout, p -> listener);
    }

    /** As above, with a listener made once the plan is known (for output that names units). */
    public Result build(Path workspace, CargoSelection selection, Path buildPlan, CommandRunner runner, int jobs,
            boolean keepGoing, Duration timeout, java.util.function.Function<Planned, BuildListener> listenerFor) {
        return build(startPlan(home.root(), workspace, selection, buildPlan, env), runner, jobs, keepGoing,
                timeout, listenerFor);
    }

    /** As above, for a plan begun with {@link #startPlan} (before the store was opened). */
    public Result build(PlanStart start, CommandRunner runner, int jobs, boolean keepGoing, Duration timeout,
            java.util.function.Function<Planned, BuildListener> listenerFor) {
        Path ws = start.ws;
        lastWorkspace = ws.toString();
        Planned planned = plan(start);
        BuildListener listener = listenerFor.apply(planned);
        CargoPlan cargo = planned.cargo();
        RustToolchain toolchain = planned.toolchain();
        UnitDerivationPlan plan = planned.plan();
        Realiser realiser = realiser(toolchain, runner, jobs, keepGoing, timeout, listener).knowing(plan.byPath())
                .reportingUnneeded(plan.order().stream().map(plan.drvPaths()::get).toList());
        Map<StorePath, Realiser.Outcome> outcomes = realiser.realise(planned.roots());
        boolean ok = outcomes.values().stream().allMatch(Realiser.Outcome::succeeded);
        if (ok && strictPaths) {
            refuseRecordedLeaks(plan);
        }
        List<Path> artifacts = ok ? linkArtifacts(planned.targetDir(ws), cargo, plan) : List.of();
        String profile = cargo.unitGraph().roots().isEmpty() ? "dev"
                : cargo.unitGraph().unit(cargo.unitGraph().roots().get(0)).profile().name();
        return new Result(planned, plan, outcomes, artifacts, ok, profile);
    }

    /**
     * What {@link #build} would do with a plan, decided as it decides it ({@link RealisePlan}: the same roots, the same
     * substituters asked the same way) without building, fetching or registering anything: the caches are asked for
     * narinfos only, and the store only whether outputs are valid.
     */
    public RealisePlan dryRun(Planned planned) {
        Map<StorePath, Derivation> known = planned.plan().byPath();
        StoreDerivations fromStore = new StoreDerivations(store());
        return RealisePlan.decide(planned.roots(), p -> known.containsKey(p) ? known.get(p) : fromStore.load(p),
                store()::isValid, substituters);
    }

    /**
     * {@code --strict-paths} for the units this build did not build: an output built earlier without it keeps the
     * absolute paths its scan found (recorded in its provenance); it fails the build as it would have failed its own.
     */
    private void refuseRecordedLeaks(UnitDerivationPlan plan) {
        StringBuilder sb = new StringBuilder();
        for (StorePath drvPath : plan.drvPaths()) {
            for (StorePath out : plan.byPath().get(drvPath).outputPaths().values()) {
                List<String> leaks = store().provenance(out).map(dev.crabstore.store.local.Provenance::pathLeaks)
                        .orElse(List.of());
                if (!leaks.isEmpty()) {
                    sb.append(sb.isEmpty() ? "" : "\n").append(out.name()).append(" was built without --strict-paths "
                            + "and its output contains absolute paths outside the store:");
                    leaks.forEach(l -> sb.append("\n  ").append(l));
                }
            }
        }
        if (!sb.isEmpty()) {
            throw new dev.crabstore.store.build.BuildFailedException(sb.toString());
        }
    }

    /**
     * Everything a plan read and a build left behind, for {@link NoopFingerprint}: the workspace manifest and lockfile,
     * every file of the path packages, cargo config files (and where new ones could appear), rustup's choice, the
     * toolchain, the derivations in the store and, after a build, the links in {@code target/}.
     */
    public NoopFingerprint.Inputs fingerprintInputs(Path workspace, CargoSelection selection, Planned planned,
            List<Path> artifacts) {
        Path ws = workspace.toAbsolutePath().normalize();
        NoopFingerprint.Inputs in = new NoopFingerprint.Inputs();
        for (String f : List.of("Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml",
                ConfigFiles.PROJECT_FILE)) {
            in.file(ws.resolve(f));
        }
        for (String shared : ConfigFiles.load(env, ws).workspaceFiles()) { // what members see of the workspace
            Path p = ws.resolve(shared).normalize();
            if (Files.isDirectory(p)) {
                in.tree(p, f -> false);
            } else {
                in.file(p);
            }
        }
        for (Path d = ws; d != null; d = d.getParent()) {
            in.file(d.resolve(".cargo"));
            CargoConfigFiles.files(d, Map.of("CARGO_HOME", "/nonexistent")).stream().filter(f -> !f.startsWith(
                    "/nonexistent")).forEach(in::file);
        }
        String home = env.getOrDefault("HOME", "/root");
        Path cargoHome = Path.of(env.getOrDefault("CARGO_HOME", home + "/.cargo"));
        in.file(cargoHome.resolve("config")).file(cargoHome.resolve("config.toml"));
        in.file(Path.of(env.getOrDefault("RUSTUP_HOME", home + "/.rustup"), "settings.toml"));
        for (String c : selection.values("--config")) {
            if (c.endsWith(".toml")) {
                in.file(ws.resolve(c));
            }
        }
        Path sysroot = planned.toolchain().sysroot();
        in.file(sysroot.resolve("bin/rustc")).file(sysroot.resolve("lib"));
        Set<Path> dirs = new java.util.TreeSet<>();
        for (Unit u : planned.cargo().unitGraph().units()) {
            if (u.packageId().isPath()) {
                dirs.add(Path.of(planned.cargo().metadata().pkg(u.pkgId(), "cargo metadata").manifestDir()));
            }
        }
        for (Path dir : dirs) {
            in.tree(dir, f -> isIgnored(dir, f) || f.startsWith(planned.targetDir(ws)));
        }
        for (StorePath drv : planned.plan().drvPaths()) {
            in.mustExist(store().realPath(drv));
        }
        for (Path link : artifacts) {
            try {
                in.link(link, Files.readSymbolicLink(link));
            } catch (IOException e) {
                throw new StoreIOException("cannot read the link " + link, e);
            }
        }
        return in;
    }

    /**
     * A realiser for test runs: every builtin (an input of a run that is gone, collected by {@code gc}, is built again
     * or substituted), no path-leak scan (a report is no build output). The test runs themselves are fetched from the
     * caches only with {@code substituteRuns}: a substituted report is the signer's word that the tests passed.
     */
    Realiser testRealiser(RustToolchain toolchain, CommandRunner runner, int jobs, Duration timeout,
            BuildListener listener, boolean substituteRuns) {
        Realiser r = new Realiser(store(), runner, builtins(toolchain),
                List.of(Mount.readOnly(toolchain.sysroot(), "/crabstore/toolchain")), jobs, false, timeout, listener)
                .substituteFrom(substituters)
                .recordWith(Map.of("rustc", toolchain.id().description(), "toolchain", toolchain.identity()));
        return substituteRuns ? r.neverSubstitute(d -> false) : r; // the realiser's default: runs are not fetched
    }

    private static List<dev.crabstore.store.build.Builtin> builtins(RustToolchain toolchain) {
        return List.of(new FetchUrlBuiltin(new VerifiedDownloader(Duration.ofSeconds(60))), new UnpackCrateBuiltin(),
                new FetchGitBuiltin(), new RustcBuiltin(toolchain.id()), new BuildScriptRunBuiltin(toolchain.id()),
                new TestRunBuiltin(toolchain.id()));
    }

    /**
     * What {@code crabstore fetch} does, as {@code cargo fetch} fills cargo's registry cache: plans, then realises
     * only the sources of the packages (registry crates downloaded, verified and unpacked, git repositories checked
     * out; path packages are added while planning), so that a later build needs no network.
     *
     * @return the outcome of each source derivation of the plan
     */
    public Map<StorePath, Realiser.Outcome> fetch(Path workspace, CargoSelection selection, CommandRunner runner,
            int jobs, boolean keepGoing, Duration timeout, BuildListener listener) {
        Planned planned = plan(workspace, selection);
        List<StorePath> sources = planned.sources().values().stream().map(PackageSource::drv)
                .flatMap(java.util.Optional::stream).distinct().sorted().toList();
        return realiser(planned.toolchain(), runner, jobs, keepGoing, timeout, listener).realise(sources);
    }

    private Realiser realiser(RustToolchain toolchain, CommandRunner runner, int jobs, boolean keepGoing,
            Duration timeout, BuildListener listener) {
        return new Realiser(store(), runner, builtins(toolchain),
                List.of(Mount.readOnly(toolchain.sysroot(), "/crabstore/toolchain")), jobs, keepGoing, timeout, listener)
                .substituteFrom(substituters).scanForPaths(leakScanner(), strictPaths)
                .recordWith(Map.of("rustc", toolchain.id().description(), "toolchain", toolchain.identity()));
    }

    /**
     * What no output may contain: the sandbox's build dir, and (for builds without the sandbox) the checkout, the
     * home directory and {@code /tmp}.
     */
    private dev.crabstore.store.build.PathLeakScanner leakScanner() {
        List<String> prefixes = new ArrayList<>(List.of(dev.crabstore.store.build.BuildEnvironment.BUILD_DIR + "/",
                "/tmp/"));
        String home = env.get("HOME");
        if (home != null && home.length() > 1) {
            prefixes.add(home + "/");
        }
        if (lastWorkspace != null) {
            prefixes.add(lastWorkspace + "/");
        }
        return new dev.crabstore.store.build.PathLeakScanner(prefixes);
    }

    /**
     * What {@code build --check} did: the derivations it rebuilt and compared ({@code checked}), and those whose
     * outputs were not in the store (a gc deleted, say, a build script's binary whose run output was still valid), so
     * that they were built now instead, as {@code nix-build --check} builds what is missing: nothing to compare them
     * with ({@code builtInstead}, each with the error if building it failed).
     */
    public record CheckReport(List<Realiser.CheckResult> checked, Map<StorePath, Optional<String>> builtInstead) {}

    /**
     * {@code build --check}: rebuilds every derivation of a successful build (except fixed-output downloads, which are
     * checked by their hash) {@code rounds} times and compares the outputs with the store's. The derivations whose
     * outputs are not valid, and the inputs of the others that are not, are realised first ({@code building} hears
     * of that); only the derivations whose outputs were valid before are checked ({@code checking} hears of those).
     */
    public CheckReport check(Result built, CommandRunner runner, int jobs, Duration timeout, int rounds,
            BuildListener building, BuildListener checking) {
        List<StorePath> drvs = new ArrayList<>();
        List<StorePath> missing = new ArrayList<>();
        java.util.Set<StorePath> inputs = new java.util.TreeSet<>();
        LocalStore store = store();
        built.plan().byPath().forEach((p, d) -> {
            boolean fixed = d.outputs().values().stream().anyMatch(o -> o instanceof dev.crabstore.core.drv
                    .DerivationOutput.Fixed);
            if (fixed) {
                return;
            }
            if (d.outputPaths().values().stream().allMatch(store::protect)) {
                drvs.add(p);
                inputs.addAll(d.inputDrvs().keySet());
            } else {
                missing.add(p);
            }
        });
        java.util.Collections.sort(drvs);
        java.util.Collections.sort(missing);
        Map<StorePath, Optional<String>> builtInstead = new java.util.TreeMap<>();
        if (!missing.isEmpty() || !inputs.isEmpty()) {
            List<StorePath> needed = new ArrayList<>(missing);
            needed.addAll(inputs);
            Map<StorePath, Realiser.Outcome> done = realiser(built.planned().toolchain(), runner, jobs, false, timeout,
                    building).realise(needed);
            missing.forEach(p -> builtInstead.put(p, Optional.ofNullable(done.get(p)).map(Realiser.Outcome::error)
                    .orElse(Optional.of("not built"))));
        }
        return new CheckReport(realiser(built.planned().toolchain(), runner, jobs, false, timeout, checking)
                .check(drvs, rounds), builtInstead);
    }

    /** A plan's derivations, and the settings they were made with (the workspace's shared files added). */
    record Derived(UnitDerivationPlan plan, PlanSettings settings) {}

    /** Sources into the store and one derivation per unit, every .drv written to the store. */
    Derived derive(Path ws, CargoPlan cargo, RustToolchain toolchain, CargoLock lock, CargoConfig config,
            PlanSettings settings, Map<String, PackageSource> sources) {
        StoreDir sd = home.storeDir();
        UnitGraph g = cargo.unitGraph();
        RegistrySources registry = null;
        SourceDigestCache digests = new SourceDigestCache(home.root().resolve("var/source-digests"));
        List<SourceTree> trees = new ArrayList<>();
        String linker = settings.linker();
        if (linker != null && linker.startsWith(UnitDerivationPlanner.WORKSPACE + "/")) {
            // A linker of the project's own (a script in the workspace): an input of every unit, at its place.
            Path host = ws.resolve(linker.substring(UnitDerivationPlanner.WORKSPACE.length() + 1));
            if (!Files.isRegularFile(host)) {
                throw new dev.crabstore.core.InvalidFormatException("the linker " + host + " that cargo's config "
                        + "names for " + settings.hostTriple() + " does not exist");
            }
            StorePath l = sourceTree(trees, digests, host, "linker-" + host.getFileName(), "linker", f -> true);
            settings = settings.withLinkerSource(sd.print(l));
        }
        List<String> shared = ConfigFiles.load(env, ws).workspaceFiles();
        if (!shared.isEmpty()) {
            List<Path> entries = shared.stream().map(e -> Path.of(e).normalize()).toList();
            for (Path e : entries) {
                if (!Files.exists(ws.resolve(e))) {
                    throw new dev.crabstore.core.InvalidFormatException(ws.resolve(ConfigFiles.PROJECT_FILE) + ": '"
                            + dev.crabstore.planner.config.CrabstoreConfig.WORKSPACE_FILES + "' names " + e
                            + ", which is not in " + ws);
                }
            }
            StorePath files = sourceTree(trees, digests, ws, "workspace-files", "workspace-files "
                    + String.join("\u0000", shared), f -> {
                        Path rel = ws.relativize(f);
                        return entries.stream().anyMatch(e -> rel.startsWith(e) || e.startsWith(rel));
                    });
            settings = settings.withWorkspaceFiles(new dev.crabstore.planner.unit.WorkspaceFiles(sd.print(files),
                    entries.stream().map(e -> e.getName(0).toString()).distinct().toList()));
        }
        Map<StorePath, Derivation> sourceDrvs = new LinkedHashMap<>();
        DerivationHasher hasher = new DerivationHasher(sd, sourceDrvs::get);
        for (Unit u : g.units()) {
            String id = u.pkgId();
            if (sources.containsKey(id)) {
                continue;
            }
            MetadataPackage pkg = cargo.metadata().pkg(id, "cargo metadata");
            PackageId pid = u.packageId();
            if (pid.isPath()) {
                Path dir = Path.of(pkg.manifestDir());
                StorePath p = sourceTree(trees, digests, dir, pkg.name() + "-" + pkg.version() + "-source",
                        "path-package", f -> !isIgnored(dir, f));
                sources.put(id, PackageSource.added(p));
            } else if (pid.kind().equals("registry") || pid.kind().equals("sparse")) {
                if (registry == null) {
                    registry = new RegistrySources(lock, config, ws.resolve("Cargo.lock"));
                }
                String source = pid.kind() + "+" + pid.url();
                Hash sha = registry.checksum(pkg.name(), pkg.version(), source);
                RegistrySources.CrateLocation where = registry.locate(pkg.name(), pkg.version(), source, sha);
                if (where instanceof RegistrySources.CrateLocation.Vendored v) {
                    Path checksums = v.dir().resolve(".cargo-checksum.json");
                    StorePath p = sourceTree(trees, digests, v.dir(), pkg.name() + "-" + pkg.version() + "-source",
                            "vendored-crate", f -> !f.equals(checksums), VendoredChecksums::verify);
                    sources.put(id, PackageSource.added(p));
                    continue;
                }
                URI url = ((RegistrySources.CrateLocation.Download) where).url();
                Derivation fetch = Derivation.newBuilder().name(StorePath.sanitizeName(pkg.name() + "-" + pkg.version()
                        + ".crate")).system(SYSTEM).builder("builtin:fetchurl").env("url", url.toString())
                        .buildFixedOutput(sd, new ContentAddress(ContentAddressMethod.FLAT, sha));
                StorePath fetchPath = fetch.drvPath(sd);
                sourceDrvs.put(fetchPath, fetch);
                Derivation unpack = Derivation.newBuilder().name(StorePath.sanitizeName(pkg.name() + "-"
                        + pkg.version() + "-source")).system(SYSTEM).builder("builtin:unpack-crate")
                        .inputDrv(fetchPath, "out").env("src", sd.print(fetch.outputPaths().get("out")))
                        .env("top", pkg.name() + "-" + pkg.version()).buildInputAddressed(hasher);
                StorePath unpackPath = unpack.drvPath(sd);
                sourceDrvs.put(unpackPath, unpack);
                sources.put(id, new PackageSource(unpack.outputPaths().get("out"), java.util.Optional.of(unpackPath)));
            } else if (pid.kind().equals("git")) {
                if (registry == null) {
                    registry = new RegistrySources(lock, config, ws.resolve("Cargo.lock"));
                }
                RegistrySources.GitSource git = registry.gitSource(pkg.name(), pkg.version(), "git+" + pid.url());
                String repo = git.url().substring(git.url().lastIndexOf('/') + 1).replaceAll("\\.git$", "");
                Derivation fetch = Derivation.newBuilder().name(StorePath.sanitizeName(repo + "-"
                        + git.commit().substring(0, 12) + "-source")).system(SYSTEM).builder("builtin:fetch-git")
                        .env("url", git.url()).env("rev", git.commit()).buildInputAddressed(hasher);
                StorePath fetchPath = fetch.drvPath(sd);
                sourceDrvs.put(fetchPath, fetch);
                sources.put(id, new PackageSource(fetch.outputPaths().get("out"), java.util.Optional.of(fetchPath),
                        gitSubdir(pkg.manifestDir())));
            } else {
                throw new CrabstoreException("package " + pkg.name() + " " + pkg.version() + " comes from a " + pid.kind()
                        + " source, which crabstore cannot build yet");
            }
        }
        UnitDerivationPlan plan = new UnitDerivationPlanner(g, cargo.metadata(), settings, sd, SYSTEM,
                toolchain.identity(), ws.toString(), sources).plan(sourceDrvs);
        // Every .drv into the store, inputs first: one validity query, one transaction for those not there yet.
        List<StorePath> expected = new ArrayList<>();
        List<LocalStore.Text> texts = new ArrayList<>();
        sourceDrvs.forEach((p, d) -> {
            expected.add(p);
            texts.add(drvText(d));
        });
        for (int i : plan.order()) {
            expected.add(plan.drvPaths().get(i));
            texts.add(drvText(plan.derivations().get(i)));
        }
        // Only now the store is needed (it may have been opening meanwhile): the sources first, then what uses them.
        LocalStore s = store();
        for (SourceTree t : trees) {
            if (!s.addPath(t.dir(), t.name(), t.include(), t.digest()).equals(t.path())) {
                throw new IllegalStateException("the source " + t.dir() + " was added under another path than "
                        + t.path());
            }
        }
        List<StorePath> written = s.addTexts(texts);
        if (!written.equals(expected)) {
            throw new IllegalStateException("a .drv was written under another path than its derivation's");
        }
        return new Derived(plan, settings);
    }

    /** A source tree to add to the store, its digest and so its store path known beforehand. */
    private record SourceTree(Path dir, String name, Predicate<Path> include, NarDigest digest, StorePath path) {}

    /** The store path {@code dir} will be added under (hashed, or its digest cached), recorded in {@code trees}. */
    private StorePath sourceTree(List<SourceTree> trees, SourceDigestCache digests, Path dir, String name,
            String filterId, Predicate<Path> include) {
        return sourceTree(trees, digests, dir, name, filterId, include, t -> { });
    }

    /** As above, {@code check}ing the tree's contents whenever it is hashed ({@link SourceDigestCache#digest}). */
    private StorePath sourceTree(List<SourceTree> trees, SourceDigestCache digests, Path dir, String name,
            String filterId, Predicate<Path> include, java.util.function.Consumer<Path> check) {
        String n = StorePath.sanitizeName(name);
        NarDigest d = digests.digest(dir, filterId, include, check);
        StorePath p = home.storeDir().makeSourcePath(n, d.narHash(), List.of(), false);
        trees.add(new SourceTree(dir, n, include, d, p));
        return p;
    }

    /** Where a git package is inside its repository: cargo checks out to .../git/checkouts/<repo>/<rev>/<subdir>. */
    static String gitSubdir(String manifestDir) {
        Path p = Path.of(manifestDir);
        for (int i = 0; i + 2 < p.getNameCount(); i++) {
            if (p.getName(i).toString().equals("checkouts") && i > 0 && p.getName(i - 1).toString().equals("git")) {
                return i + 3 < p.getNameCount() ? p.subpath(i + 3, p.getNameCount()).toString() : "";
            }
        }
        throw new CrabstoreException("cannot tell where " + manifestDir + " is inside its git checkout");
    }

    StorePath addDrv(Derivation d) {
        LocalStore.Text t = drvText(d);
        return store().addText(t.name(), t.contents(), t.references());
    }

    private LocalStore.Text drvText(Derivation d) {
        return new LocalStore.Text(d.name() + ".drv", d.render(home.storeDir()).getBytes(StandardCharsets.UTF_8),
                d.references());
    }

    /**
     * What is left out of a package's source: build output and VCS metadata, nested packages (a directory below it
     * with a Cargo.toml of its own: workspace members under a root package, {@code vendor/} crates), as cargo lists a
     * path package's files, and crabstore's own project config (which substituters to ask must not change what is
     * built). Directories are asked before what is in them, so a nested package costs one stat.
     */
    static boolean isIgnored(Path packageDir, Path p) {
        Path rel = packageDir.relativize(p);
        String first = rel.getNameCount() > 0 ? rel.getName(0).toString() : "";
        return Set.of("target", ".git", ".hg", ".svn", ".jj").contains(first)
                || rel.getNameCount() == 1 && first.equals(ConfigFiles.PROJECT_FILE)
                || !rel.toString().isEmpty() && Files.isRegularFile(p.resolve("Cargo.toml"));
    }

    /**
     * Links the root units' bins and libs into <target dir>/<profile>/ and their test executables (mode {@code test}) as
     * cargo names them, target/<profile>/deps/<crate>-<hash> (examples/ for an example's); each link is a GC root.
     */
    private List<Path> linkArtifacts(Path targetDir, CargoPlan cargo, UnitDerivationPlan plan) {
        GcRoots roots = new GcRoots(store().home());
        List<Path> links = new ArrayList<>();
        UnitGraph g = cargo.unitGraph();
        for (int r : g.roots()) {
            Unit u = g.unit(r);
            boolean test = u.mode().equals("test");
            if (!(u.mode().equals("build") || test) || u.target().isCustomBuild()) {
                continue;
            }
            String profileDir = u.profile().name().equals("dev") || u.profile().name().equals("test") ? "debug"
                    : u.profile().name().equals("bench") ? "release" : u.profile().name();
            Path dir = (u.platform() != null ? targetDir.resolve(u.platform()) : targetDir).resolve(profileDir);
            StorePath out = plan.outputs().get(r);
            Path real = store().realPath(out);
            try (var files = Files.list(real)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    String crate = u.target().crateName();
                    String linkName = null;
                    if (test) {
                        if (name.startsWith(crate + "-") && !name.endsWith(".d")) {
                            Path link = dir.resolve(u.target().isExample() ? "examples" : "deps").resolve(name);
                            roots.addRoot(link, out, name);
                            links.add(link);
                        }
                        continue;
                    }
                    if (u.target().isBin() && name.startsWith(crate + "-") && !name.endsWith(".d")) {
                        linkName = u.target().name();
                    } else if (u.target().isExample() && name.startsWith(crate + "-") && !name.endsWith(".d")) {
                        linkName = "examples/" + u.target().name(); // as cargo: target/<profile>/examples/<name>
                    } else if (name.startsWith("lib" + crate + "-") && (name.endsWith(".rlib") || name.endsWith(".so")
                            || name.endsWith(".a"))) { // rlib, dylib/cdylib/proc-macro, staticlib
                        linkName = "lib" + crate + name.substring(name.lastIndexOf('.'));
                    }
                    if (linkName != null) {
                        Path link = dir.resolve(linkName);
                        roots.addRoot(link, out, name);
                        links.add(link);
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // registered, but its files are gone: the store was damaged behind its back
                throw new StoreIOException("the store path " + store().storeDir().print(out) + " is registered but "
                        + real + " is missing; run 'crabstore store verify --check-contents --repair'");
            } catch (IOException e) {
                throw new StoreIOException("cannot link the artifacts of " + out + " into " + dir, e);
            }
        }
        return links;
    }
}
