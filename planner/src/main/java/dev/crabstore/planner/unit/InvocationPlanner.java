package dev.crabstore.planner.unit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Synthesises, for each unit of a {@link UnitGraph}, the process cargo 1.95 would start: rustc's argv in cargo's
 * order (cargo-mechanics §2.2) and its explicit environment (§2.4), or a build script's run environment (§3.2).
 * The runtime part (build-script directives) is applied from the outputs passed in.
 */
public final class InvocationPlanner {
    private final UnitGraph graph;
    private final CargoMetadata metadata;
    private final UnitLayout layout;
    private final UnitHashes hashes;
    private final PlanSettings settings;
    private final Set<Integer> hostOnly;

    public InvocationPlanner(UnitGraph graph, CargoMetadata metadata, UnitLayout layout, UnitHashes hashes,
            PlanSettings settings) {
        this.graph = graph;
        this.metadata = metadata;
        this.layout = layout;
        this.hashes = hashes;
        this.settings = settings;
        this.hostOnly = hostOnlyUnits(graph);
    }

    private MetadataPackage pkg(int i) {
        return metadata.pkg(graph.unit(i).pkgId(), "unit " + i);
    }

    /** Units only needed on the host: build scripts, proc macros, and what only they depend on. */
    private static Set<Integer> hostOnlyUnits(UnitGraph g) {
        Set<Integer> runtime = new HashSet<>();
        List<Integer> stack = new ArrayList<>(g.roots());
        while (!stack.isEmpty()) {
            int i = stack.remove(stack.size() - 1);
            Unit u = g.unit(i);
            if (u.target().isCustomBuild() || u.target().isProcMacro() || !runtime.add(i)) {
                continue;
            }
            for (UnitDependency d : u.dependencies()) {
                stack.add(d.index());
            }
        }
        Set<Integer> host = new HashSet<>();
        for (int i = 0; i < g.units().size(); i++) {
            if (!runtime.contains(i)) {
                host.add(i);
            }
        }
        return host;
    }

    /** The run-custom-build unit of this unit's own package, or -1. */
    public int ownRunUnit(int i) {
        Unit u = graph.unit(i);
        for (UnitDependency d : u.dependencies()) {
            Unit dep = graph.unit(d.index());
            if (dep.isRunCustomBuild() && dep.pkgId().equals(u.pkgId())) {
                return d.index();
            }
        }
        return -1;
    }

    private static boolean producesOnlyRlib(Unit u) {
        return !u.target().isCustomBuild() && u.mode().equals("build")
                && u.target().crateTypes().stream().allMatch(t -> t.equals("lib") || t.equals("rlib"));
    }

    private static boolean isLinkable(Unit u) {
        return !u.isRunCustomBuild() && !u.target().isCustomBuild() && u.target().isLib();
    }

    private boolean isLocal(int i) {
        return graph.unit(i).packageId().isPath();
    }

    /** Source path as cargo passes it: relative to the workspace root for local packages under it. */
    private String sourcePath(int i) {
        Unit u = graph.unit(i);
        MetadataPackage p = pkg(i);
        String src = u.target().srcPath();
        String mdir = p.manifestDir();
        String dir = layout.packageDir(p);
        String path = src.startsWith(mdir + "/") ? dir + src.substring(mdir.length()) : src;
        String root = layout.workspaceRoot() + "/";
        if (isLocal(i) && path.startsWith(root)) {
            return path.substring(root.length());
        }
        return path;
    }

    private String cwd(int i) {
        String src = sourcePath(i);
        return src.startsWith("/") ? layout.packageDir(pkg(i)) : layout.workspaceRoot();
    }

    /** File name rustc writes for a linkable unit, as its dependents reference it. */
    private String artifact(int dep, boolean metadataOnly) {
        Unit d = graph.unit(dep);
        String base = "lib" + d.target().crateName() + "-" + hashes.extraFilename(dep);
        if (d.target().isProcMacro()) {
            return layout.outDir(dep) + "/" + base + ".so";
        }
        if (d.target().crateTypes().contains("dylib")) {
            return layout.outDir(dep) + "/" + base + ".so";
        }
        return layout.outDir(dep) + "/" + base + (metadataOnly ? ".rmeta" : ".rlib");
    }

    /** rustc for a compile unit; {@code outputs} gives the parsed output of a run unit (by index). */
    public Invocation rustc(int i, IntFunction<BuildScriptOutput> outputs) {
        Unit u = graph.unit(i);
        if (u.isRunCustomBuild()) {
            throw new IllegalArgumentException("unit " + i + " runs a build script; use buildScriptRun");
        }
        UnitTarget t = u.target();
        UnitProfile p = u.profile();
        MetadataPackage pkg = pkg(i);
        boolean buildScript = t.isCustomBuild();
        boolean check = u.mode().equals("check");
        boolean testMode = u.mode().equals("test");
        List<String> a = new ArrayList<>();
        a.add("--crate-name");
        a.add(t.crateName());
        a.add("--edition=" + t.edition());
        a.add(sourcePath(i));
        a.add("--error-format=json");
        a.add("--json=diagnostic-rendered-ansi,artifacts,future-incompat");
        if (!testMode) {
            for (String ct : t.crateTypes()) {
                a.add("--crate-type");
                a.add(ct);
            }
        }
        if (check) {
            a.add("--emit=dep-info,metadata");
        } else if (producesOnlyRlib(u)) {
            a.add("--emit=dep-info,metadata,link");
        } else {
            a.add("--emit=dep-info,link");
        }
        if (t.isProcMacro() && !buildScript) {
            a.add("-C");
            a.add("prefer-dynamic");
        }
        if (!p.optLevel().equals("0")) {
            a.add("-C");
            a.add("opt-level=" + p.optLevel());
        }
        boolean forceUnwind = testMode || buildScript || t.isProcMacro();
        if (!forceUnwind && p.panic().equals("abort")) {
            a.add("-C");
            a.add("panic=abort");
        }
        addLto(a, i);
        if (p.codegenUnits() != null) {
            a.add("-C");
            a.add("codegen-units=" + p.codegenUnits());
        }
        String dbg = p.rustcDebuginfo();
        if (dbg != null) {
            a.add("-C");
            a.add("debuginfo=" + dbg);
        }
        if (p.splitDebuginfo() != null) {
            a.add("-C");
            a.add("split-debuginfo=" + p.splitDebuginfo());
        }
        a.addAll(settings.lintFlags().getOrDefault(u.pkgId(), List.of())); // the package's [lints]
        addAssertions(a, p);
        if (testMode && harness(u)) {
            a.add("--test");
        } else if (testMode) {
            a.add("--cfg"); // harness = false: the target's own main, compiled as cargo does
            a.add("test");
        }
        for (String f : u.features()) {
            a.add("--cfg");
            a.add("feature=\"" + f + "\"");
        }
        a.add("--check-cfg");
        a.add("cfg(docsrs,test)");
        a.add("--check-cfg");
        a.add("cfg(feature, values(" + pkg.declaredFeatures().stream().map(f -> "\"" + f + "\"")
                .collect(Collectors.joining(", ")) + "))");
        a.add("-C");
        a.add("metadata=" + hashes.metadata(i));
        a.add("-C");
        a.add("extra-filename=-" + hashes.extraFilename(i));
        if (p.rpath()) {
            a.add("-C");
            a.add("rpath");
        }
        a.add("--out-dir");
        a.add(layout.outDir(i));
        boolean targetUnit = u.platform() != null;
        if (targetUnit) {
            a.add("--target");
            a.add(u.platform());
        }
        if (settings.linker() != null && (targetUnit || !settings.explicitTarget())) {
            a.add("-C");
            a.add("linker=" + settings.linker());
        }
        if (!p.strip().equals("none")) {
            a.add("-C");
            a.add("strip=" + p.strip());
        }
        for (String d : layout.dependencyDirs(i)) {
            a.add("-L");
            a.add("dependency=" + d);
        }
        boolean metadataOnly = producesOnlyRlib(u) || check;
        for (UnitDependency d : u.dependencies()) {
            Unit dep = graph.unit(d.index());
            if (!isLinkable(dep)) {
                continue;
            }
            boolean depRmeta = metadataOnly && !dep.target().isProcMacro() && producesOnlyRlib(dep);
            a.add("--extern");
            String prefix = d.noprelude() ? "noprelude:" : "";
            a.add(prefix + d.externCrateName() + "=" + artifact(d.index(), depRmeta));
        }
        if (t.isProcMacro() && !buildScript) {
            a.add("--extern");
            a.add("proc_macro");
        }
        if (!isLocal(i)) {
            a.add("--cap-lints");
            a.add("allow");
        }
        a.addAll(rustflags(i));

        // Runtime part: build-script results.
        int own = ownRunUnit(i);
        List<RuntimeFlags.Run> runs = new ArrayList<>();
        for (int run : linkSearchRuns(i)) {
            runs.add(new RuntimeFlags.Run(layout.buildScriptOutDir(run), outputs.apply(run)));
        }
        RuntimeFlags.Parts runtime = RuntimeFlags.of(runs,
                own >= 0 ? new RuntimeFlags.Run(layout.buildScriptOutDir(own), outputs.apply(own)) : null,
                linkLibsApply(i), RuntimeFlags.linkArgScopes(u));
        a.addAll(runtime.args());
        Map<String, String> env = packageEnv(pkg);
        env.put("CARGO_CRATE_NAME", t.crateName());
        if (t.isBin() || t.isExample() || testMode || t.kind().contains("bench")) {
            env.put("CARGO_BIN_NAME", t.name());
        }
        if (settings.primaryPackages().contains(u.pkgId())) {
            env.put("CARGO_PRIMARY_PACKAGE", "1");
        }
        if (own >= 0) {
            env.put("OUT_DIR", layout.buildScriptOutDir(own));
        }
        if (t.kind().contains("test") || t.kind().contains("bench")) {
            // Integration tests and benches: the package's bins (unit graph edges to them) and a scratch dir.
            env.put("CARGO_TARGET_TMPDIR", layout.targetTmpDir());
            for (UnitDependency d : u.dependencies()) {
                Unit dep = graph.unit(d.index());
                if (dep.target().isBin() && dep.pkgId().equals(u.pkgId())) {
                    env.put("CARGO_BIN_EXE_" + dep.target().name(), layout.binaryPath(d.index()));
                }
            }
        }
        env.putAll(runtime.env());
        env.putAll(settings.extraEnv());
        return new Invocation(i, settings.rustc(), a, new TreeMap<>(env), cwd(i));
    }

    /** Whether the own build script's {@code -l} apply: to a lib target, or a bin of a package without lib. */
    public boolean linkLibsApply(int i) {
        UnitTarget t = graph.unit(i).target();
        return (t.isLib() && !t.isCustomBuild()) || (t.isBin() && !pkg(i).hasLib());
    }

    /**
     * The run units whose {@code -L} reach unit {@code i}: its own package's and those of its transitive linkable
     * dependencies, in cargo's order.
     */
    public List<Integer> linkSearchRuns(int i) {
        LinkedHashMap<Integer, Boolean> runs = new LinkedHashMap<>();
        collectRuns(i, runs, new HashSet<>());
        return new ArrayList<>(runs.keySet());
    }

    /** For a run unit: the run units of its direct dependencies that declare {@code links}, with that name. */
    public Map<Integer, String> linksRuns(int runUnit) {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (UnitDependency d : graph.unit(runUnit).dependencies()) {
            if (graph.unit(d.index()).isRunCustomBuild() && pkg(d.index()).links() != null) {
                out.put(d.index(), pkg(d.index()).links());
            }
        }
        return out;
    }

    private void collectRuns(int i, LinkedHashMap<Integer, Boolean> runs, Set<Integer> seen) {
        if (!seen.add(i)) {
            return;
        }
        int own = ownRunUnit(i);
        if (own >= 0) {
            runs.putIfAbsent(own, true);
        }
        for (UnitDependency d : graph.unit(i).dependencies()) {
            Unit dep = graph.unit(d.index());
            if (isLinkable(dep) && !dep.target().isProcMacro()) {
                collectRuns(d.index(), runs, seen);
            }
        }
    }

    /** Row 10 of §2.2, for the common cases: no LTO in the profile gives {@code -C embed-bitcode=no}. */
    private void addLto(List<String> a, int i) {
        Unit u = graph.unit(i);
        String lto = rootLto();
        boolean host = hostOnly.contains(i) || u.target().isCustomBuild();
        if (host || lto.equals("false")) {
            a.add("-C");
            a.add("embed-bitcode=no");
            return;
        }
        boolean linkable = u.target().isBin() || u.target().crateTypes().contains("cdylib")
                || u.target().crateTypes().contains("staticlib") || u.mode().equals("test");
        if (linkable) {
            switch (lto) {
                case "true", "fat" -> {
                    a.add("-C");
                    a.add("lto");
                }
                case "off" -> {
                    a.add("-C");
                    a.add("lto=off");
                    a.add("-C");
                    a.add("embed-bitcode=no");
                }
                default -> {
                    a.add("-C");
                    a.add("lto=" + lto);
                }
            }
        } else if (!lto.equals("off")) {
            a.add("-C");
            a.add("linker-plugin-lto");
        } else {
            a.add("-C");
            a.add("embed-bitcode=no");
        }
    }

    private String rootLto() {
        for (int r : graph.roots()) {
            String l = graph.unit(r).profile().lto();
            if (!l.equals("false")) {
                return l;
            }
        }
        return "false";
    }

    /** Row 16: only what differs from rustc's defaults implied by the opt level. */
    private static void addAssertions(List<String> a, UnitProfile p) {
        boolean opt0 = p.optLevel().equals("0");
        if (opt0) {
            if (!p.debugAssertions()) {
                a.add("-C");
                a.add("debug-assertions=off");
                if (p.overflowChecks()) {
                    a.add("-C");
                    a.add("overflow-checks=on");
                }
            } else if (!p.overflowChecks()) {
                a.add("-C");
                a.add("overflow-checks=off");
            }
        } else {
            if (p.debugAssertions()) {
                a.add("-C");
                a.add("debug-assertions=on");
                if (!p.overflowChecks()) {
                    a.add("-C");
                    a.add("overflow-checks=off");
                }
            } else if (p.overflowChecks()) {
                a.add("-C");
                a.add("overflow-checks=on");
            }
        }
    }

    private Map<String, String> packageEnv(MetadataPackage pkg) {
        Map<String, String> env = new TreeMap<>();
        String dir = layout.packageDir(pkg);
        env.put("CARGO", settings.cargo());
        env.put("CARGO_MANIFEST_DIR", dir);
        env.put("CARGO_MANIFEST_PATH", dir + "/Cargo.toml");
        env.put("CARGO_PKG_NAME", pkg.name());
        env.put("CARGO_PKG_VERSION", pkg.version());
        String[] core = pkg.version().split("[-+]", 2)[0].split("\\.");
        env.put("CARGO_PKG_VERSION_MAJOR", core.length > 0 ? core[0] : "");
        env.put("CARGO_PKG_VERSION_MINOR", core.length > 1 ? core[1] : "");
        env.put("CARGO_PKG_VERSION_PATCH", core.length > 2 ? core[2] : "");
        env.put("CARGO_PKG_VERSION_PRE", preRelease(pkg.version()));
        env.put("CARGO_PKG_AUTHORS", String.join(":", pkg.authors()));
        env.put("CARGO_PKG_DESCRIPTION", pkg.description());
        env.put("CARGO_PKG_HOMEPAGE", pkg.homepage());
        env.put("CARGO_PKG_REPOSITORY", pkg.repository());
        env.put("CARGO_PKG_LICENSE", pkg.license());
        env.put("CARGO_PKG_LICENSE_FILE", pkg.licenseFile());
        env.put("CARGO_PKG_RUST_VERSION", pkg.rustVersion());
        env.put("CARGO_PKG_README", pkg.readme());
        return env;
    }

    private static String preRelease(String version) {
        String v = version.contains("+") ? version.substring(0, version.indexOf('+')) : version;
        int dash = v.indexOf('-');
        return dash < 0 ? "" : v.substring(dash + 1);
    }

    /** The run of a build script: program, no arguments, cwd = package root, the §3.2 environment. */
    public Invocation buildScriptRun(int i, IntFunction<BuildScriptOutput> outputs) {
        Unit u = graph.unit(i);
        if (!u.isRunCustomBuild()) {
            throw new IllegalArgumentException("unit " + i + " does not run a build script");
        }
        MetadataPackage pkg = pkg(i);
        int compile = -1;
        for (UnitDependency d : u.dependencies()) {
            Unit dep = graph.unit(d.index());
            if (dep.isBuildScriptCompile() && dep.pkgId().equals(u.pkgId())) {
                compile = d.index();
            }
        }
        if (compile < 0) {
            throw new UnitGraphException("unit " + i + " (" + u.pkgId() + ") runs a build script it does not compile");
        }
        Map<String, String> env = packageEnv(pkg);
        if (pkg.links() != null) {
            env.put("CARGO_MANIFEST_LINKS", pkg.links());
        }
        for (String f : u.features()) {
            env.put("CARGO_FEATURE_" + envify(f), "1");
        }
        Map<String, List<String>> cfg = new LinkedHashMap<>();
        for (String line : settings.targetCfg()) {
            int eq = line.indexOf('=');
            String key = eq < 0 ? line : line.substring(0, eq);
            if (key.equals("debug_assertions") || key.equals("feature")) {
                continue;
            }
            List<String> vals = cfg.computeIfAbsent(key, k -> new ArrayList<>());
            if (eq >= 0) {
                String v = line.substring(eq + 1);
                vals.add(v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v);
            }
        }
        for (Map.Entry<String, List<String>> e : cfg.entrySet()) {
            env.put("CARGO_CFG_" + envify(e.getKey()), String.join(",", e.getValue()));
        }
        env.put("CARGO_CFG_FEATURE", String.join(",", u.features())); // set even when empty, as cargo does
        if (u.profile().debugAssertions()) {
            env.put("CARGO_CFG_DEBUG_ASSERTIONS", "");
        }
        String target = u.platform() != null ? u.platform() : settings.hostTriple();
        env.put("TARGET", target);
        env.put("HOST", settings.hostTriple());
        env.put("NUM_JOBS", Integer.toString(settings.numJobs()));
        env.put("OPT_LEVEL", u.profile().optLevel());
        env.put("DEBUG", Boolean.toString(u.profile().rustcDebuginfo() != null));
        String profile = u.profile().name();
        env.put("PROFILE", profile.equals("release") || profile.equals("bench")
                || settings.releaseProfiles().contains(profile) ? "release" : "debug");
        env.put("RUSTC", settings.rustc());
        env.put("RUSTDOC", settings.rustdoc());
        if (settings.linker() != null) {
            env.put("RUSTC_LINKER", settings.linker());
        }
        env.put("CARGO_ENCODED_RUSTFLAGS", String.join("\u001f", rustflags(i)));
        env.put("OUT_DIR", layout.buildScriptOutDir(i));
        for (Map.Entry<Integer, String> run : linksRuns(i).entrySet()) {
            env.putAll(depEnv(run.getValue(), outputs.apply(run.getKey())));
        }
        env.putAll(settings.extraEnv());
        return new Invocation(i, layout.buildScriptProgram(compile), List.of(), new TreeMap<>(env),
                layout.packageDir(pkg));
    }

    /** {@code DEP_<LINKS>_<KEY>} variables a dependency's build script metadata gives to its dependents' scripts. */
    public static Map<String, String> depEnv(String links, BuildScriptOutput output) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, String> m : output.metadata()) {
            env.put("DEP_" + envify(links) + "_" + envify(m.getKey()), m.getValue());
        }
        return env;
    }

    static String envify(String s) {
        return s.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    /** Every unit's invocation, in unit order. */
    public List<Invocation> all(IntFunction<BuildScriptOutput> outputs) {
        List<Invocation> out = new ArrayList<>();
        for (int i = 0; i < graph.units().size(); i++) {
            out.add(graph.unit(i).isRunCustomBuild() ? buildScriptRun(i, outputs) : rustc(i, outputs));
        }
        return out;
    }

    /**
     * The RUSTFLAGS that apply to unit {@code i}, as cargo applies them: all of them without {@code --target}; with
     * it, the target flags to target units and the host flags to host units (build scripts, proc-macros).
     */
    public List<String> rustflags(int i) {
        return graph.unit(i).platform() != null || !settings.explicitTarget() ? settings.rustflags()
                : settings.hostRustflags();
    }

    /** Whether a test-mode unit gets libtest's harness ({@code --test}): unless its manifest says harness = false. */
    private boolean harness(Unit u) {
        return !settings.withoutHarness().contains(harnessKey(u));
    }

    /** The {@link PlanSettings#targetKey} of a unit's target: a lib by its table alone (it has one). */
    public static String harnessKey(Unit u) {
        UnitTarget t = u.target();
        return t.isLib() ? PlanSettings.targetKey(u.pkgId(), "lib", "") : PlanSettings.targetKey(u.pkgId(),
                t.kind().get(0), t.name());
    }
}
