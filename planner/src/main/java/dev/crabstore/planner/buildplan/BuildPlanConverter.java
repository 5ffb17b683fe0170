package dev.crabstore.planner.buildplan;

import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitDependency;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.planner.unit.UnitProfile;
import dev.crabstore.planner.unit.UnitTarget;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a legacy build plan into the {@link UnitGraph} cargo's {@code --unit-graph} gives for the same build, with
 * the metadata of the same workspace (today's cargo may be used for the metadata; paths are compared relative to
 * each package's directory, so the workspace may have moved since the plan was recorded).
 *
 * <p>Per invocation: the package is the metadata package of that name and version; the target is the package's
 * target of the same kind and crate name ({@code --crate-name}), checked against the source file; a build-script
 * run takes the target and features of the script compile it depends on; features come from
 * {@code --cfg feature="..."}; the profile from the {@code -C} flags (see {@link RustcArgs#profile}), its name from
 * the output directory ({@code target/debug} is {@code dev}); a run's profile is the stripped copy cargo gives it of
 * its package's compile that needs it. A {@code deps} edge gets the crate name of the {@code --extern} whose path is
 * one of the dependency's outputs, else (build-script edges, binaries for integration tests) the dependency
 * target's crate name, which is what the unit graph prints. The plan's invocation order is kept.
 *
 * <p>Roots: cargo's roots are the units requested on the command line, which a plan does not list. A unit of a
 * requested package ({@code CARGO_PRIMARY_PACKAGE=1}, or a workspace member in plans older than that variable)
 * that is no build script is a root if nothing depends on it, or if it is a library cargo uplifts into
 * {@code target/<profile>/} (its {@code links}), which cargo does for libraries only when they are roots.
 */
final class BuildPlanConverter {
    private final LegacyBuildPlan plan;
    private final CargoMetadata metadata;
    private final int n;
    private final String[] pkgIds;
    private final RustcArgs[] args;
    private final UnitTarget[] targets;
    private final List<String>[] features;
    private final UnitProfile[] profiles;

    @SuppressWarnings("unchecked")
    BuildPlanConverter(LegacyBuildPlan plan, CargoMetadata metadata) {
        this.plan = plan;
        this.metadata = metadata;
        this.n = plan.invocations().size();
        this.pkgIds = new String[n];
        this.args = new RustcArgs[n];
        this.targets = new UnitTarget[n];
        this.features = new List[n];
        this.profiles = new UnitProfile[n];
    }

    private BuildPlanException error(int i, String problem) {
        return new BuildPlanException(plan.source() + ": invocation " + i + " (" + label(i) + "): " + problem);
    }

    private String label(int i) {
        BuildPlanInvocation v = plan.invocation(i);
        return v.packageName() + " " + v.packageVersion() + " " + String.join(",", v.targetKind()) + " "
                + v.compileMode();
    }

    UnitGraph convert() {
        for (int i = 0; i < n; i++) {
            pkgIds[i] = packageId(i);
            if (!plan.invocation(i).isRunCustomBuild()) {
                args[i] = RustcArgs.parse(plan.invocation(i).args(), plan.source() + ": invocation " + i);
                targets[i] = target(i);
                features[i] = args[i].features();
            }
        }
        String linkedLto = null;
        for (int i = 0; i < n && linkedLto == null; i++) {
            linkedLto = args[i] == null ? null : args[i].ownLto();
        }
        for (int i = 0; i < n; i++) {
            if (args[i] != null) {
                profiles[i] = args[i].profile(profileName(i, args[i].outDir(), "--out-dir"), linkedLto,
                        plan.source() + ": invocation " + i);
            }
        }
        for (int i = 0; i < n; i++) {
            if (plan.invocation(i).isRunCustomBuild()) {
                int script = scriptCompile(i);
                targets[i] = targets[script];
                features[i] = features[script];
                profiles[i] = runProfile(i);
            }
        }
        boolean[] dependedOn = new boolean[n];
        List<Unit> units = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BuildPlanInvocation v = plan.invocation(i);
            v.deps().forEach(d -> dependedOn[d] = true);
            units.add(new Unit(pkgIds[i], targets[i], profiles[i], v.kind(), v.compileMode(), features[i], false,
                    dependencies(i)));
        }
        return new UnitGraph(units, roots(units, dependedOn));
    }

    /** The metadata package of the invocation's name and version; the manifest dir decides between namesakes. */
    private String packageId(int i) {
        BuildPlanInvocation v = plan.invocation(i);
        List<MetadataPackage> found = metadata.packages().values().stream()
                .filter(p -> p.name().equals(v.packageName()) && p.version().equals(v.packageVersion())).toList();
        if (found.size() > 1) {
            String dir = v.env().get("CARGO_MANIFEST_DIR");
            List<MetadataPackage> same = found.stream().filter(p -> p.manifestDir().equals(dir)).toList();
            found = same.isEmpty() ? found : same;
        }
        if (found.isEmpty()) {
            throw error(i, "package " + v.packageName() + " " + v.packageVersion()
                    + " is not in the workspace's cargo metadata (was the plan recorded with another lockfile?)");
        }
        if (found.size() > 1) {
            throw error(i, "package " + v.packageName() + " " + v.packageVersion() + " is ambiguous in cargo metadata: "
                    + found.stream().map(MetadataPackage::id).toList());
        }
        return found.get(0).id();
    }

    /** The metadata target of the invocation's kind and crate name, whose source file is the one rustc is given. */
    private UnitTarget target(int i) {
        BuildPlanInvocation v = plan.invocation(i);
        RustcArgs a = args[i];
        if (a.crateName() == null) {
            throw error(i, "args have no --crate-name");
        }
        MetadataPackage pkg = metadata.pkg(pkgIds[i], plan.source());
        List<UnitTarget> found = pkg.targets().stream()
                .filter(t -> t.kind().equals(v.targetKind()) && t.crateName().equals(a.crateName())).toList();
        String rel = relativeSource(i);
        if (found.size() > 1 && rel != null) {
            found = found.stream().filter(t -> rel.equals(relativize(pkg.manifestDir(), t.srcPath()))).toList();
        }
        if (found.isEmpty()) {
            throw error(i, "package " + pkg.name() + " " + pkg.version() + " has no target of kind "
                    + v.targetKind() + " named " + a.crateName() + " in cargo metadata");
        }
        if (found.size() > 1) {
            throw error(i, "several targets of kind " + v.targetKind() + " named " + a.crateName() + " in "
                    + pkg.name() + " " + pkg.version());
        }
        UnitTarget t = found.get(0);
        String mine = relativize(pkg.manifestDir(), t.srcPath());
        if (rel != null && mine != null && !rel.equals(mine)) {
            throw error(i, "rustc compiles " + rel + " but cargo metadata says target " + t.name() + " of "
                    + pkg.name() + " is " + mine + " (relative to the package directory)");
        }
        return t;
    }

    /** The source file relative to the package directory ({@code CARGO_MANIFEST_DIR}), or null if unknown. */
    private String relativeSource(int i) {
        BuildPlanInvocation v = plan.invocation(i);
        String src = args[i].sourcePath();
        String dir = v.env().get("CARGO_MANIFEST_DIR");
        if (src == null || dir == null) {
            return null;
        }
        try {
            Path p = Path.of(src);
            if (!p.isAbsolute()) {
                if (v.cwd() == null) {
                    return null;
                }
                p = Path.of(v.cwd()).resolve(p);
            }
            return relativize(dir, p.toString());
        } catch (InvalidPathException e) {
            throw error(i, "unreadable source path " + src);
        }
    }

    private static String relativize(String dir, String file) {
        try {
            return Path.of(dir).normalize().relativize(Path.of(file).normalize()).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The compile of the same package's build script that a run invocation depends on. */
    private int scriptCompile(int i) {
        for (int d : plan.invocation(i).deps()) {
            BuildPlanInvocation dep = plan.invocation(d);
            if (dep.isCustomBuild() && !dep.isRunCustomBuild() && pkgIds[d].equals(pkgIds[i])) {
                return d;
            }
        }
        throw error(i, "runs a build script but depends on no compile of " + plan.invocation(i).packageName()
                + "'s build script");
    }

    /**
     * Cargo gives a run the name, opt-level, debuginfo and debug-assertions of the profile of the unit that needs
     * the script's output (its package's library or binary), everything else defaulted.
     */
    private UnitProfile runProfile(int i) {
        UnitProfile from = null;
        for (int k = 0; k < n && from == null; k++) {
            if (profiles[k] != null && !plan.invocation(k).isRunCustomBuild() && !plan.invocation(k).isCustomBuild()
                    && pkgIds[k].equals(pkgIds[i]) && plan.invocation(k).deps().contains(i)) {
                from = profiles[k];
            }
        }
        BuildPlanInvocation v = plan.invocation(i);
        String name = profileName(i, v.env().get("OUT_DIR"), "OUT_DIR");
        if (from == null) {
            // Nothing in the plan needs the run: read what its environment says.
            String opt = v.env().getOrDefault("OPT_LEVEL", "0");
            boolean debug = "true".equals(v.env().get("DEBUG"));
            return new UnitProfile(name, opt, "false", null, debug ? "2" : "0", null, opt.equals("0"), false, false,
                    false, "unwind", "none");
        }
        return new UnitProfile(name, from.optLevel(), "false", null, from.debuginfo(), null, from.debugAssertions(),
                false, false, false, "unwind", from.strip());
    }

    /**
     * The profile whose directory holds {@code dir}: {@code <target>/[<triple>/]<profile-dir>/deps},
     * {@code .../examples}, {@code .../build/<pkg>-<hash>} or {@code .../build/<pkg>-<hash>/out}. {@code debug} is
     * the {@code dev} profile's directory; custom profiles use their own name.
     */
    private String profileName(int i, String dir, String what) {
        if (dir == null) {
            throw error(i, "has no " + what + ", so the profile cannot be told");
        }
        String[] s = dir.split("/+");
        int len = s.length;
        int k = -1;
        if (len >= 2 && (s[len - 1].equals("deps") || s[len - 1].equals("examples"))) {
            k = len - 1;
        } else if (len >= 3 && s[len - 2].equals("build")) {
            k = len - 2;
        } else if (len >= 4 && s[len - 3].equals("build") && s[len - 1].equals("out")) {
            k = len - 3;
        }
        if (k < 1 || s[k - 1].isEmpty()) {
            throw error(i, what + " " + dir + " is not inside a cargo profile directory");
        }
        String profileDir = s[k - 1];
        return profileDir.equals("debug") ? "dev" : profileDir;
    }

    private List<UnitDependency> dependencies(int i) {
        BuildPlanInvocation v = plan.invocation(i);
        List<RustcArgs.Extern> externs = args[i] == null ? List.of() : args[i].externs();
        Set<RustcArgs.Extern> used = new HashSet<>();
        List<UnitDependency> deps = new ArrayList<>();
        for (int d : v.deps()) {
            List<String> outputs = plan.invocation(d).outputs();
            RustcArgs.Extern ext = externs.stream().filter(e -> e.path() != null && outputs.contains(e.path()))
                    .findFirst().orElse(null);
            if (ext != null) {
                used.add(ext);
                deps.add(new UnitDependency(d, ext.name(), false, ext.noprelude()));
            } else {
                deps.add(new UnitDependency(d, targets[d].crateName(), false, false));
            }
        }
        for (RustcArgs.Extern e : externs) {
            if (e.path() != null && !used.contains(e)) {
                throw error(i, "--extern " + e.name() + "=" + e.path()
                        + " is not an output of any invocation in its deps " + v.deps());
            }
        }
        return deps;
    }

    private List<Integer> roots(List<Unit> units, boolean[] dependedOn) {
        boolean primaryKnown = plan.invocations().stream().anyMatch(v -> v.env().containsKey("CARGO_PRIMARY_PACKAGE"));
        Set<String> members = metadata.memberSet();
        List<Integer> roots = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BuildPlanInvocation v = plan.invocation(i);
            Unit u = units.get(i);
            if (v.isCustomBuild()) {
                continue;
            }
            boolean requested = primaryKnown ? "1".equals(v.env().get("CARGO_PRIMARY_PACKAGE"))
                    : members.contains(u.pkgId());
            boolean upliftedLib = u.mode().equals("build") && u.target().isLib() && !u.target().isBin()
                    && !u.target().crateTypes().contains("dylib") && !v.links().isEmpty();
            if (requested && (!dependedOn[i] || upliftedLib)) {
                roots.add(i);
            }
        }
        if (roots.isEmpty() && n > 0) {
            throw new BuildPlanException(plan.source() + ": no invocation is a requested unit (none of a "
                    + (primaryKnown ? "package with CARGO_PRIMARY_PACKAGE=1" : "workspace member")
                    + " that nothing depends on)");
        }
        return roots;
    }
}
