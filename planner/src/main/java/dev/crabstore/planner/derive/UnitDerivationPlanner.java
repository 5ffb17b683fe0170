package dev.crabstore.planner.derive;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationHasher;
import dev.crabstore.core.drv.OutputPaths;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.unit.BuildScriptOutput;
import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.DerivedUnitHashes;
import dev.crabstore.planner.unit.Invocation;
import dev.crabstore.planner.unit.InvocationPlanner;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.PlanSettings;
import dev.crabstore.planner.unit.RuntimeFlags;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitDependency;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.planner.unit.UnitGraphException;
import dev.crabstore.planner.unit.WorkspaceFiles;
import dev.crabstore.planner.unit.UnitLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a unit graph into one derivation per unit (docs/architecture.md, "From units to derivations"). Pure: the same
 * graph, metadata, sources and toolchain give the same {@code .drv} bytes wherever the checkout is. Local packages
 * appear inside the sandbox under {@link #WORKSPACE} at their place relative to the workspace root, so rustc sees the
 * same relative source paths as under cargo; everything else is a store path.
 */
public final class UnitDerivationPlanner {
    /** Where the workspace's local packages are linked in the sandbox. */
    public static final String WORKSPACE = "/build/ws";
    /** Where local packages outside the workspace root are linked. */
    public static final String EXTERNAL = "/build/ext";

    // Control variables of the builtins; every other env var is for the process they run.
    public static final String ENV_TOOLCHAIN = "crabstoreToolchain";
    public static final String ENV_CWD = "crabstoreCwd";

    /** Whether {@code path} is in the sandbox place of a path package's sources ({@link #WORKSPACE}, {@link #EXTERNAL}). */
    public static boolean inSandboxSources(String path) {
        for (String root : List.of(WORKSPACE, EXTERNAL)) {
            if (path.equals(root) || path.startsWith(root + "/")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code drv} is a unit of a path package (a workspace member or a path dependency): the one whose
     * warnings cargo shows, as it caps the lints of the others.
     */
    public static boolean ofPathPackage(dev.crabstore.core.drv.Derivation drv) {
        return inSandboxSources(drv.env().getOrDefault(ENV_CWD, ""));
    }

    public static final String ENV_SYMLINKS = "crabstoreSymlinks";
    public static final String ENV_OWN_RUN = "crabstoreOwnRun";
    public static final String ENV_LINK_SEARCH_RUNS = "crabstoreLinkSearchRuns";
    public static final String ENV_LINK_LIBS = "crabstoreLinkLibs";
    public static final String ENV_LINK_ARG_SCOPES = "crabstoreLinkArgScopes";
    public static final String ENV_PROGRAM = "crabstoreProgram";
    public static final String ENV_LINKS_RUNS = "crabstoreLinksRuns";
    public static final String ENV_PACKAGE = "crabstorePackage";
    /**
     * The unit's features (comma-separated) and, for rustc units, the RUSTFLAGS among its args ({@code \u001f}
     * between flags, as CARGO_ENCODED_RUSTFLAGS): what the args already say, named, so that {@code crabstore diff}
     * can tell "feature enabled" and "RUSTFLAGS changed" from any other change of the command line.
     */
    public static final String ENV_FEATURES = "crabstoreFeatures";
    public static final String ENV_RUSTFLAGS = "crabstoreRustflags";
    /** {@link dev.crabstore.planner.unit.PlanSettings#hostCpu}, on units compiled with {@code target-cpu=native}. */
    public static final String ENV_HOST_CPU = "crabstoreHostCpu";
    /**
     * {@code --remap-path-prefix} pairs the rustc builtin appends (space-separated {@code FROM=TO}): the sandbox's
     * workspace and external dirs become relative paths, as cargo's own paths for local packages are, so no output
     * holds the build dir. In the derivation, so that changing them changes the hash.
     */
    public static final String ENV_REMAP = "crabstoreRemapPathPrefix";
    /** {@code CARGO_TARGET_TMPDIR}: the private, writable {@code /tmp} of the sandbox a test runs in. */
    public static final String TEST_TMPDIR = "/tmp";
    static final String REMAP = WORKSPACE + "=. " + WORKSPACE + "/= " + EXTERNAL + "/=";

    private final UnitGraph graph;
    private final CargoMetadata metadata;
    private final PlanSettings settings;
    private final StoreDir storeDir;
    private final String system;
    private final String toolchainId;
    private final String workspaceRoot;
    private final Map<String, PackageSource> sources;

    public UnitDerivationPlanner(UnitGraph graph, CargoMetadata metadata, PlanSettings settings, StoreDir storeDir,
            String system, String toolchainId, String workspaceRoot, Map<String, PackageSource> sources) {
        this.graph = graph;
        this.metadata = metadata;
        this.settings = settings;
        this.storeDir = storeDir;
        this.system = system;
        this.toolchainId = toolchainId;
        this.workspaceRoot = workspaceRoot;
        this.sources = Map.copyOf(sources);
    }

    /**
     * @param known derivations the plan may depend on (source derivations), for hashing
     */
    public UnitDerivationPlan plan(Map<StorePath, Derivation> known) {
        int n = graph.units().size();
        String placeholder = OutputPaths.hashPlaceholder("out");
        String[] out = new String[n];
        StorePath[] drvPaths = new StorePath[n];
        StorePath[] outPaths = new StorePath[n];
        Derivation[] drvs = new Derivation[n];
        Map<StorePath, Derivation> all = new HashMap<>(known);
        DerivationHasher hasher = new DerivationHasher(storeDir, all::get);
        DerivedUnitHashes hashes = new DerivedUnitHashes(graph, workspaceRoot, toolchainId);
        UnitLayout layout = new UnitLayout() {
            @Override
            public String workspaceRoot() {
                return WORKSPACE;
            }

            @Override
            public String packageDir(MetadataPackage pkg) {
                return sandboxDir(pkg);
            }

            @Override
            public String outDir(int unit) {
                return out[unit] != null ? out[unit] : placeholder;
            }

            @Override
            public List<String> dependencyDirs(int unit) {
                List<String> dirs = new ArrayList<>();
                for (int d : transitiveInputs(unit)) {
                    if (!graph.unit(d).isRunCustomBuild()) {
                        dirs.add(outDir(d));
                    }
                }
                return dirs;
            }

            @Override
            public String buildScriptOutDir(int runUnit) {
                return outDir(runUnit) + "/out";
            }

            @Override
            public String buildScriptProgram(int compileUnit) {
                Unit u = graph.unit(compileUnit);
                return outDir(compileUnit) + "/" + u.target().crateName() + "-" + hashes.extraFilename(compileUnit);
            }

            @Override
            public String binaryPath(int binUnit) {
                // rustc's name for it; cargo's uplifted target/<profile>/<name> has no counterpart in the store
                return outDir(binUnit) + "/" + graph.unit(binUnit).target().crateName() + "-"
                        + hashes.extraFilename(binUnit);
            }

            @Override
            public String targetTmpDir() {
                return TEST_TMPDIR;
            }
        };
        InvocationPlanner invocations = new InvocationPlanner(graph, metadata, layout, hashes, settings);
        BuildScriptOutput empty = BuildScriptOutput.empty();
        List<Integer> order = topologicalOrder();
        for (int i : order) {
            Unit u = graph.unit(i);
            MetadataPackage pkg = metadata.pkg(u.pkgId(), "unit " + i);
            Derivation.Builder b = Derivation.newBuilder().name(derivationName(u, pkg)).system(system);
            Invocation inv;
            if (u.isRunCustomBuild()) {
                inv = invocations.buildScriptRun(i, x -> empty);
                b.builder("builtin:build-script-run");
                b.env(ENV_PROGRAM, inv.program());
                List<String> linksRuns = new ArrayList<>();
                invocations.linksRuns(i).forEach((run, links) -> linksRuns.add(links + "=" + out[run]));
                b.env(ENV_LINKS_RUNS, String.join(" ", linksRuns));
            } else {
                inv = invocations.rustc(i, x -> empty);
                b.builder("builtin:rustc");
                b.args(inv.args().toArray(String[]::new));
                int own = invocations.ownRunUnit(i);
                b.env(ENV_OWN_RUN, own >= 0 ? out[own] : "");
                List<String> runs = new ArrayList<>();
                invocations.linkSearchRuns(i).forEach(r -> runs.add(out[r]));
                b.env(ENV_LINK_SEARCH_RUNS, String.join(" ", runs));
                b.env(ENV_LINK_LIBS, invocations.linkLibsApply(i) ? "1" : "");
                b.env(ENV_LINK_ARG_SCOPES, String.join(" ", RuntimeFlags.linkArgScopes(u)));
                b.env(ENV_REMAP, REMAP);
                b.env(ENV_RUSTFLAGS, String.join("\u001f", invocations.rustflags(i)));
                if (settings.hostCpu() != null && inv.args().stream().anyMatch(a -> a.endsWith("=native"))) {
                    b.env(ENV_HOST_CPU, settings.hostCpu()); // "native" names no CPU: the hash must
                }
            }
            inv.env().forEach(b::env);
            b.env(ENV_TOOLCHAIN, toolchainId);
            b.env(ENV_CWD, inv.cwd());
            b.env(ENV_PACKAGE, pkg.name() + " v" + pkg.version());
            b.env(ENV_FEATURES, String.join(",", u.features()));
            PackageSource src = sources.get(u.pkgId());
            if (src == null) {
                throw new UnitGraphException("no source for package " + u.pkgId());
            }
            src.drv().ifPresentOrElse(d -> b.inputDrv(d, "out"), () -> b.inputSrc(src.path()));
            String dir = sandboxDir(pkg);
            StringBuilder links = new StringBuilder(dir.startsWith("/build/") ? dir + "=" + storeDir.print(src.path())
                    : "");
            WorkspaceFiles shared = settings.workspaceFiles();
            if (shared != null && dir.startsWith(WORKSPACE + "/")) { // a member: the root package has them already
                b.inputSrc(storeDir.parsePath(shared.storePath()));
                for (String e : shared.entries()) {
                    if (!dir.equals(WORKSPACE + "/" + e) && !dir.startsWith(WORKSPACE + "/" + e + "/")) {
                        links.append('\n').append(WORKSPACE).append('/').append(e).append('=')
                                .append(shared.storePath()).append('/').append(e);
                    }
                }
            }
            if (settings.linkerSource() != null && settings.linker() != null && !dir.equals(WORKSPACE)) {
                // a linker of the project's own (the root package's source has it already)
                b.inputSrc(storeDir.parsePath(settings.linkerSource()));
                links.append(links.isEmpty() ? "" : "\n").append(settings.linker()).append('=')
                        .append(settings.linkerSource());
            }
            b.env(ENV_SYMLINKS, links.toString());
            for (int d : transitiveInputs(i)) {
                b.inputDrv(drvPaths[d], "out");
            }
            Derivation d = b.buildInputAddressed(hasher);
            String aterm = d.render(storeDir);
            StorePath drvPath = d.drvPath(storeDir, aterm);
            all.put(drvPath, d);
            drvs[i] = d;
            drvPaths[i] = drvPath;
            outPaths[i] = d.outputPaths().get("out");
            out[i] = storeDir.print(outPaths[i]);
        }
        return new UnitDerivationPlan(List.of(drvs), List.of(drvPaths), List.of(outPaths), all, order);
    }

    /** A package's source directory as the sandbox shows it. */
    private String sandboxDir(MetadataPackage pkg) {
        PackageSource src = sources.get(pkg.id());
        if (pkg.id().startsWith("path+")) {
            String dir = pkg.manifestDir();
            if (dir.equals(workspaceRoot)) {
                return WORKSPACE;
            }
            if (dir.startsWith(workspaceRoot + "/")) {
                return WORKSPACE + dir.substring(workspaceRoot.length());
            }
            return EXTERNAL + "/" + pkg.name() + "-" + pkg.version();
        }
        if (src == null) {
            throw new UnitGraphException("no source for package " + pkg.id());
        }
        return storeDir.print(src.path()) + (src.subdir().isEmpty() ? "" : "/" + src.subdir());
    }

    /** The units whose outputs unit {@code i} reads: its dependencies, transitively, not past build-script runs. */
    private List<Integer> transitiveInputs(int i) {
        Set<Integer> seen = new LinkedHashSet<>();
        List<Integer> stack = new ArrayList<>();
        graph.unit(i).dependencies().forEach(d -> stack.add(d.index()));
        while (!stack.isEmpty()) {
            int d = stack.remove(stack.size() - 1);
            if (seen.add(d) && !graph.unit(d).isRunCustomBuild()) {
                graph.unit(d).dependencies().forEach(x -> stack.add(x.index()));
            }
        }
        return new ArrayList<>(new TreeSet<>(seen));
    }

    private List<Integer> topologicalOrder() {
        List<Integer> order = new ArrayList<>();
        int[] state = new int[graph.units().size()];
        for (int i = 0; i < state.length; i++) {
            visit(i, state, order);
        }
        return order;
    }

    private void visit(int i, int[] state, List<Integer> order) {
        if (state[i] == 2) {
            return;
        }
        if (state[i] == 1) {
            throw new UnitGraphException("unit graph has a cycle through unit " + i);
        }
        state[i] = 1;
        for (UnitDependency d : graph.unit(i).dependencies()) {
            visit(d.index(), state, order);
        }
        state[i] = 2;
        order.add(i);
    }

    static String derivationName(Unit u, MetadataPackage pkg) {
        String base = pkg.name() + "-" + pkg.version();
        String suffix;
        if (u.isRunCustomBuild()) {
            suffix = "-build-script-run";
        } else if (u.isBuildScriptCompile()) {
            suffix = "-build-script";
        } else if (u.mode().equals("test")) {
            suffix = "-test-" + u.target().name();
        } else if (u.target().isBin()) {
            suffix = "-bin-" + u.target().name();
        } else if (u.target().isExample()) {
            suffix = "-example-" + u.target().name();
        } else {
            suffix = "";
        }
        return StorePath.sanitizeName(base + suffix);
    }
}
