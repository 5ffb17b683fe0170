package dev.crabstore.planner.derive;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationHasher;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.PlanSettings;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.planner.unit.UnitGraphException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code builtin:test-run} derivation per test harness a plan builds (root units of mode {@code test}): it runs
 * the harness in the sandbox as {@code cargo test} runs it, and its output is the report (exit status, stdout,
 * stderr, the libtest summary). Its inputs are the harness's derivation (so an unchanged harness is an unchanged run,
 * whose earlier report is reused), the libtest arguments, and what the harness sees at run time: cargo's run-time
 * environment ({@code CARGO_MANIFEST_DIR}, {@code CARGO_PKG_*}, the config's {@code [env]}, the own build script's
 * {@code rustc-env}), the package source as the working directory, and the build-script runs whose outputs it reads
 * (native libraries on {@code LD_LIBRARY_PATH}); not what only its compilation needed. Pure, like
 * {@link UnitDerivationPlanner}.
 */
public final class TestRunPlanner {
    /** The builder of a test run. */
    public static final String BUILDER = "builtin:test-run";
    /** Control variable: the harness executable (a store path). */
    public static final String ENV_PROGRAM = UnitDerivationPlanner.ENV_PROGRAM;
    /**
     * Control variable: the toolchain's library dir for the harness's target, relative to the toolchain (a proc-macro
     * crate's tests link the standard library dynamically, as cargo's dylib path provides it).
     */
    public static final String ENV_TARGET_LIBDIR = "crabstoreTargetLibDir";
    /** Control variable: the outputs of the dylib crates the harness links, for {@code LD_LIBRARY_PATH}. */
    public static final String ENV_DYLIB_DIRS = "crabstoreDylibDirs";
    /** Environment a harness gets from cargo at run time (besides the config's [env] and the script's rustc-env). */
    private static final List<String> RUN_ENV_PREFIXES = List.of("CARGO_PKG_", "CARGO_MANIFEST_");
    /** The control variables of the compile derivation that the run needs too. */
    private static final List<String> SHARED_CONTROL = List.of(UnitDerivationPlanner.ENV_TOOLCHAIN,
            UnitDerivationPlanner.ENV_SYMLINKS, UnitDerivationPlanner.ENV_PACKAGE, UnitDerivationPlanner.ENV_OWN_RUN,
            UnitDerivationPlanner.ENV_LINK_SEARCH_RUNS);

    /** A planned test run: the harness's unit, its derivation and its report's store path. */
    public record TestRun(int unit, StorePath drvPath, Derivation drv, StorePath out) {}

    private TestRunPlanner() {}

    /**
     * The test runs of {@code plan}'s test harnesses, in the order cargo runs them: by package name, then lib, bins,
     * integration tests, benches, examples, each by target name.
     *
     * @param settings what the units were planned with (the config's {@code [env]}, the host)
     * @param sources  each package's source, as the plan has it (a harness runs in its package's root)
     * @param testArgs arguments for every harness (what follows {@code --} on cargo test's command line)
     */
    public static List<TestRun> plan(UnitGraph graph, CargoMetadata metadata, UnitDerivationPlan plan,
            PlanSettings settings, Map<String, PackageSource> sources, List<String> testArgs, StoreDir storeDir) {
        List<Integer> harnesses = new ArrayList<>();
        for (int r : graph.roots()) {
            if (graph.unit(r).mode().equals("test") && !harnesses.contains(r)) {
                harnesses.add(r);
            }
        }
        harnesses.sort(Comparator.<Integer, String>comparing(i -> metadata.pkg(graph.unit(i).pkgId(), "unit " + i)
                .name()).thenComparingInt(i -> kindOrder(graph.unit(i))).thenComparing(i -> graph.unit(i).target()
                .name()));
        Map<StorePath, Derivation> known = new HashMap<>(plan.byPath());
        Map<StorePath, StorePath> drvOfOutput = new HashMap<>();
        for (int k = 0; k < plan.outputs().size(); k++) {
            drvOfOutput.put(plan.outputs().get(k), plan.drvPaths().get(k));
        }
        DerivationHasher hasher = new DerivationHasher(storeDir, known::get);
        List<TestRun> runs = new ArrayList<>();
        for (int i : harnesses) {
            Derivation compile = plan.derivations().get(i);
            StorePath compilePath = plan.drvPaths().get(i);
            Derivation.Builder b = Derivation.newBuilder().name(compile.name() + "-run").system(compile.system())
                    .builder(BUILDER).args(testArgs.toArray(String[]::new));
            b.env(ENV_PROGRAM, storeDir.print(plan.outputs().get(i)) + "/" + executable(compile, i));
            for (String k : SHARED_CONTROL) {
                b.env(k, compile.env().getOrDefault(k, ""));
            }
            String packageDir = compile.env().get("CARGO_MANIFEST_DIR");
            if (packageDir == null) {
                throw new UnitGraphException("the derivation of unit " + i + " sets no CARGO_MANIFEST_DIR");
            }
            b.env(UnitDerivationPlanner.ENV_CWD, packageDir); // cargo test runs a harness in its package's root
            compile.env().forEach((k, v) -> {
                if (k.equals("CARGO") || RUN_ENV_PREFIXES.stream().anyMatch(k::startsWith)) {
                    b.env(k, v);
                }
            });
            settings.extraEnv().forEach(b::env);
            String triple = graph.unit(i).platform() != null ? graph.unit(i).platform() : settings.hostTriple();
            b.env(ENV_TARGET_LIBDIR, "lib/rustlib/" + triple + "/lib");
            // What the harness needs at run time, not what its compilation needed (rlibs, proc macros): the
            // harness, the build-script runs it reads (rustc-env, native library dirs) and the package's source.
            b.inputDrv(compilePath, "out");
            for (String k : List.of(UnitDerivationPlanner.ENV_OWN_RUN, UnitDerivationPlanner.ENV_LINK_SEARCH_RUNS)) {
                for (String run : compile.env().getOrDefault(k, "").split(" ")) {
                    if (!run.isEmpty()) {
                        StorePath drv = drvOfOutput.get(storeDir.parsePath(run));
                        if (drv == null) {
                            throw new UnitGraphException("no unit of the plan builds " + run + ", named by unit " + i);
                        }
                        b.inputDrv(drv, "out");
                    }
                }
            }
            List<String> dylibDirs = new ArrayList<>();
            for (int d : dylibDependencies(graph, i)) {
                b.inputDrv(plan.drvPaths().get(d), "out");
                dylibDirs.add(storeDir.print(plan.outputs().get(d)));
            }
            b.env(ENV_DYLIB_DIRS, String.join(" ", dylibDirs));
            PackageSource src = sources.get(graph.unit(i).pkgId());
            if (src == null) {
                throw new UnitGraphException("no source for package " + graph.unit(i).pkgId());
            }
            src.drv().ifPresentOrElse(d -> b.inputDrv(d, "out"), () -> b.inputSrc(src.path()));
            // What the shared ENV_SYMLINKS show besides the package (workspace-files, a project's linker): inputs too.
            String links = compile.env().getOrDefault(UnitDerivationPlanner.ENV_SYMLINKS, "");
            compile.inputSrcs().stream().filter(p -> links.contains("=" + storeDir.print(p))).forEach(b::inputSrc);
            Derivation d = b.buildInputAddressed(hasher);
            StorePath drvPath = d.drvPath(storeDir);
            known.put(drvPath, d);
            runs.add(new TestRun(i, drvPath, d, d.outputPaths().get("out")));
        }
        return runs;
    }

    /** The harness file rustc writes: {@code <crate-name>-<extra-filename>}, from the compile derivation's argv. */
    static String executable(Derivation compile, int unit) {
        List<String> a = compile.args();
        String crate = null;
        String extra = null;
        for (int k = 0; k + 1 < a.size(); k++) {
            if (a.get(k).equals("--crate-name")) {
                crate = a.get(k + 1);
            } else if (a.get(k).equals("-C") && a.get(k + 1).startsWith("extra-filename=")) {
                extra = a.get(k + 1).substring("extra-filename=".length());
            }
        }
        if (crate == null || extra == null) {
            throw new UnitGraphException("the derivation of unit " + unit + " (" + compile.name()
                    + ") names no --crate-name or -C extra-filename");
        }
        return crate + extra;
    }

    /** The {@code dylib} crates unit {@code i} links, directly or through other libraries, in index order. */
    static List<Integer> dylibDependencies(UnitGraph graph, int i) {
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        List<Integer> stack = new ArrayList<>(List.of(i));
        while (!stack.isEmpty()) {
            for (var d : graph.unit(stack.remove(stack.size() - 1)).dependencies()) {
                Unit dep = graph.unit(d.index());
                boolean linked = dep.target().isLib() && !dep.target().isProcMacro() && !dep.target().isCustomBuild()
                        && !dep.isRunCustomBuild();
                if (linked && seen.add(d.index())) {
                    if (dep.target().crateTypes().contains("dylib")) {
                        out.add(d.index());
                    }
                    stack.add(d.index());
                }
            }
        }
        return new ArrayList<>(out);
    }

    private static int kindOrder(Unit u) {
        List<String> k = u.target().kind();
        if (u.target().isLib()) {
            return 0;
        }
        return k.contains("bin") ? 1 : k.contains("test") ? 2 : k.contains("bench") ? 3 : 4;
    }

    /** {@code unittests src/lib.rs} or {@code tests/cli.rs}: what cargo test's {@code Running} line names. */
    public static String describe(Unit u, MetadataPackage pkg) {
        String src = u.target().srcPath();
        String dir = pkg.manifestDir() + "/";
        String rel = src.startsWith(dir) ? src.substring(dir.length()) : src;
        boolean unittests = u.target().isLib() || u.target().isBin();
        return unittests ? "unittests " + rel : rel;
    }
}
