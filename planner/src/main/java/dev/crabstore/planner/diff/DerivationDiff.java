package dev.crabstore.planner.diff;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationOutput;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.UnitDerivationPlanner;
import dev.crabstore.planner.diff.Difference.Kind;
import dev.crabstore.planner.diff.InputPairing.Pair;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Why two derivations differ, as nix-diff tells it, down to the root causes: the pairs of derivations (old, new) that
 * differ in themselves rather than only through their inputs. Unit derivations list all their transitive inputs and
 * name them by store path, output path and {@code -C metadata} hash, so a change at a leaf changes every derivation
 * above it; here each pair's inputs are matched by name ({@link InputPairing}), the new side's names of matched inputs
 * are mapped to the old side's before the args and env are compared, and only what is left counts as the pair's own
 * difference. Differing inputs are followed, each pair analysed once.
 */
public final class DerivationDiff {
    private final StoreDir storeDir;
    private final DerivationLoader loader;
    private final SourceTrees trees;
    private final Map<StorePath, Derivation> loaded = new HashMap<>();
    private final Map<Pair, Analysis> analyses = new HashMap<>();

    /** A pair's own differences, and the pairs of its inputs that differ (to follow). */
    private record Analysis(List<Difference> own, List<Pair> differingInputs) {}

    public DerivationDiff(StoreDir storeDir, DerivationLoader loader, SourceTrees trees) {
        this.storeDir = storeDir;
        this.loader = loader;
        this.trees = trees;
    }

    /** The root causes of {@code a} (old) and {@code b} (new) differing, nearest first; none when they are equal. */
    public List<RootCause> rootCauses(StorePath a, StorePath b) {
        List<RootCause> out = new ArrayList<>();
        if (a.equals(b)) {
            return out;
        }
        Pair top = new Pair(a, b);
        Map<Pair, Pair> parent = new LinkedHashMap<>();
        parent.put(top, null);
        ArrayDeque<Pair> queue = new ArrayDeque<>(List.of(top));
        while (!queue.isEmpty()) {
            Pair p = queue.poll();
            Analysis an = analyse(p);
            if (!an.own().isEmpty()) {
                out.add(new RootCause(p.a(), p.b(), via(p, parent), an.own()));
            }
            for (Pair q : an.differingInputs()) {
                if (!parent.containsKey(q)) {
                    parent.put(q, p);
                    queue.add(q);
                }
            }
        }
        return out;
    }

    /** What tells apart derivations of one name: their features and whether they are built for a --target. */
    public String discriminator(StorePath drv) {
        Derivation d = load(drv);
        int t = d.args().indexOf("--target");
        return d.env().getOrDefault(UnitDerivationPlanner.ENV_FEATURES, "") + "|"
                + (t >= 0 && t + 1 < d.args().size() ? d.args().get(t + 1) : "");
    }

    private List<String> via(Pair p, Map<Pair, Pair> parent) {
        List<String> names = new ArrayList<>();
        for (Pair q = p; q != null; q = parent.get(q)) {
            names.add(0, drvName(q.b()));
        }
        return names;
    }

    private static String drvName(StorePath p) {
        return p.name().endsWith(".drv") ? p.name().substring(0, p.name().length() - 4) : p.name();
    }

    private Derivation load(StorePath p) {
        return loaded.computeIfAbsent(p, loader::load);
    }

    private Analysis analyse(Pair p) {
        Analysis an = analyses.get(p);
        if (an == null) {
            an = compute(p.a(), p.b());
            analyses.put(p, an);
        }
        return an;
    }

    private Analysis compute(StorePath a, StorePath b) {
        Derivation da = load(a);
        Derivation db = load(b);
        String pkg = packageLabel(db, b);
        List<Difference> own = new ArrayList<>();
        if (!a.name().equals(b.name())) {
            Optional<DrvName> na = DrvName.parse(a.name());
            Optional<DrvName> nb = DrvName.parse(b.name());
            if (na.isPresent() && nb.isPresent() && na.get().versionlessKey().equals(nb.get().versionlessKey())) {
                // Another version: everything else about it follows (sources, checksums, its dependencies).
                return new Analysis(List.of(new Difference(Kind.VERSION, na.get().pkg() + " " + na.get().version()
                        + " → " + nb.get().version())), List.of());
            }
            own.add(new Difference(Kind.NAME, "name changed: " + drvName(a) + " → " + drvName(b)));
        }
        // The new side's names for what the pair's inputs and outputs are mapped to the old side's.
        Map<String, String> subst = new HashMap<>();
        subst.put(storeDir.print(b), storeDir.print(a));
        mapOutputsAndMetadata(subst, da, db);
        InputPairing inputs = InputPairing.of(da.inputDrvs().keySet(), db.inputDrvs().keySet(), this::discriminator);
        List<Pair> differing = new ArrayList<>();
        for (Pair q : inputs.pairs()) {
            if (!q.same()) {
                differing.add(q);
                subst.put(storeDir.print(q.b()), storeDir.print(q.a()));
                mapOutputsAndMetadata(subst, load(q.a()), load(q.b()));
            }
        }
        InputPairing srcs = InputPairing.of(da.inputSrcs(), db.inputSrcs());
        for (Pair q : srcs.pairs()) {
            if (!q.same()) {
                subst.put(storeDir.print(q.b()), storeDir.print(q.a()));
                own.add(sourceDifference(q, pkg));
            }
        }
        srcs.onlyA().forEach(s -> own.add(new Difference(Kind.INPUT_REMOVED, "input source " + s.name()
                + " removed from " + pkg)));
        srcs.onlyB().forEach(s -> own.add(new Difference(Kind.INPUT_ADDED, "input source " + s.name()
                + " added to " + pkg)));
        List<Map.Entry<String, String>> replacements = new ArrayList<>(subst.entrySet());
        replacements.removeIf(e -> e.getKey().equals(e.getValue()));
        replacements.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());

        List<String> argsA = new ArrayList<>(da.args());
        List<String> argsB = new ArrayList<>();
        db.args().forEach(s -> argsB.add(apply(replacements, s)));
        Map<String, String> envA = new LinkedHashMap<>(da.env());
        Map<String, String> envB = new LinkedHashMap<>();
        db.env().forEach((k, v) -> envB.put(k, apply(replacements, v)));

        // Inputs only one side has are named as such below; the args and env that point at them follow from that.
        dropMentions(argsA, envA, outputsOf(inputs.onlyA()));
        dropMentions(argsB, envB, outputsOf(inputs.onlyB()));

        String ta = envA.remove(UnitDerivationPlanner.ENV_TOOLCHAIN);
        String tb = envB.remove(UnitDerivationPlanner.ENV_TOOLCHAIN);
        if (!Objects.equals(ta, tb)) {
            own.add(new Difference(Kind.TOOLCHAIN, "toolchain changed (" + ta + " → " + tb + ")"));
        }
        features(own, pkg, argsA, argsB, envA, envB);
        rustflags(own, argsA, argsB, envA, envB);
        if (!da.builder().equals(db.builder())) {
            own.add(new Difference(Kind.BUILDER, "builder of " + pkg + " changed: " + da.builder() + " → "
                    + db.builder()));
        }
        if (!da.system().equals(db.system())) {
            own.add(new Difference(Kind.SYSTEM, "system of " + pkg + " changed: " + da.system() + " → "
                    + db.system()));
        }
        outputs(own, pkg, da, db);
        // Dependencies named on the command line: an optional one comes and goes with a feature or a manifest edit.
        Set<String> externA = new TreeSet<>(takeFlagged(argsA, "--extern", ""));
        Set<String> externB = new TreeSet<>(takeFlagged(argsB, "--extern", ""));
        List<String> depDirsA = takeFlagged(argsA, "-L", "dependency=");
        List<String> depDirsB = takeFlagged(argsB, "-L", "dependency=");
        boolean ownBeforeDependencies = !own.isEmpty() || !argsA.equals(argsB);
        if (!ownBeforeDependencies && !externA.equals(externB)) {
            externB.stream().filter(x -> !externA.contains(x)).forEach(x -> own.add(new Difference(Kind.INPUT_ADDED,
                    "dependency " + externName(x) + " added to " + pkg, List.of("+ --extern " + x))));
            externA.stream().filter(x -> !externB.contains(x)).forEach(x -> own.add(new Difference(
                    Kind.INPUT_REMOVED, "dependency " + externName(x) + " removed from " + pkg,
                    List.of("- --extern " + x))));
        } else if (!ownBeforeDependencies && !new TreeSet<>(depDirsA).equals(new TreeSet<>(depDirsB))) {
            own.add(new Difference(Kind.ARGS, "arguments of " + pkg + " changed", TokenDiff.lines(depDirsA, depDirsB)));
        }
        if (!argsA.equals(argsB)) {
            own.add(new Difference(Kind.ARGS, "arguments of " + pkg + " changed", TokenDiff.lines(argsA, argsB)));
        }
        for (String k : new TreeSet<>(union(envA.keySet(), envB.keySet()))) {
            String va = envA.get(k);
            String vb = envB.get(k);
            if (!Objects.equals(va, vb)) {
                List<String> lines = new ArrayList<>();
                if (va != null) {
                    lines.add("- " + k + "=" + va);
                }
                if (vb != null) {
                    lines.add("+ " + k + "=" + vb);
                }
                // A package's own variable (its version, its dirs) is named with it; any other ([env], the build's)
                // is one cause for every package it changed in, named with its values.
                String what = (va == null ? "set" : vb == null ? "unset" : "changed");
                own.add(new Difference(Kind.ENV, ofThePackage(k) ? "environment variable " + k + " of " + pkg + " "
                        + what : "environment variable " + k + " " + what + " (" + shortValue(va) + " → "
                        + shortValue(vb) + ")", lines));
            }
        }
        if (own.isEmpty()) {
            // Inputs neither side can pair, not brought in by another input: a dependency added or removed here.
            for (StorePath x : inputs.onlyB()) {
                if (!broughtByAnother(x, db)) {
                    own.add(new Difference(Kind.INPUT_ADDED, "dependency " + drvName(x) + " added to " + pkg));
                }
            }
            for (StorePath x : inputs.onlyA()) {
                if (!broughtByAnother(x, da)) {
                    own.add(new Difference(Kind.INPUT_REMOVED, "dependency " + drvName(x) + " removed from " + pkg));
                }
            }
        }
        if (own.isEmpty() && differing.isEmpty()) {
            own.add(new Difference(Kind.OTHER, "derivation of " + pkg + " differs only in the names of its inputs"));
        }
        return new Analysis(List.copyOf(own), List.copyOf(differing));
    }

    /** Removes every {@code flag value} whose value starts with {@code prefix}; returns the values. */
    private static List<String> takeFlagged(List<String> args, String flag, String prefix) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals(flag) && args.get(i + 1).startsWith(prefix)) {
                values.add(args.get(i + 1));
                args.subList(i, i + 2).clear();
                i--;
            }
        }
        return values;
    }

    /** {@code noprelude:itoa=/store/...} → itoa. */
    private static String externName(String value) {
        String v = value.startsWith("noprelude:") ? value.substring("noprelude:".length()) : value;
        return v.contains("=") ? v.substring(0, v.indexOf('=')) : v;
    }

    private List<String> outputsOf(List<StorePath> drvs) {
        List<String> out = new ArrayList<>();
        for (StorePath p : drvs) {
            load(p).outputs().values().forEach(o -> {
                if (o.pathOrNull() != null) {
                    out.add(storeDir.print(o.pathOrNull()));
                }
            });
        }
        return out;
    }

    /** Drops arguments (with their {@code --extern}/{@code -L} flag) and env words that mention {@code paths}. */
    private static void dropMentions(List<String> args, Map<String, String> env, List<String> paths) {
        if (paths.isEmpty()) {
            return;
        }
        for (int i = 0; i < args.size(); i++) {
            if (mentions(args.get(i), paths)) {
                args.remove(i);
                if (i > 0 && List.of("--extern", "-L").contains(args.get(i - 1))) {
                    args.remove(--i);
                }
                i--;
            }
        }
        env.replaceAll((k, v) -> mentions(v, paths) ? String.join(" ", Arrays.stream(v.split(" "))
                .filter(w -> !mentions(w, paths)).toList()) : v);
    }

    private static boolean mentions(String s, List<String> paths) {
        for (String p : paths) {
            if (s.contains(p)) {
                return true;
            }
        }
        return false;
    }

    /** Unit names as the planner sets them ({@code itoa v1.0.9} → itoa), else the package part of the name. */
    private static String packageLabel(Derivation d, StorePath p) {
        String pkg = d.env().get(UnitDerivationPlanner.ENV_PACKAGE);
        if (pkg != null && pkg.contains(" ")) {
            return pkg.substring(0, pkg.indexOf(' '));
        }
        return DrvName.parse(p.name()).map(DrvName::pkg).orElse(drvName(p));
    }

    private void mapOutputsAndMetadata(Map<String, String> subst, Derivation a, Derivation b) {
        for (Map.Entry<String, DerivationOutput> e : b.outputs().entrySet()) {
            DerivationOutput oa = a.outputs().get(e.getKey());
            if (oa != null && oa.pathOrNull() != null && e.getValue().pathOrNull() != null) {
                subst.put(storeDir.print(e.getValue().pathOrNull()), storeDir.print(oa.pathOrNull()));
            }
        }
        String ma = metadata(a);
        String mb = metadata(b);
        if (ma != null && mb != null) {
            subst.put(mb, ma);
        }
    }

    /** The unit's {@code -C metadata} hash (also its extra-filename), which follows its dependencies' hashes. */
    private static String metadata(Derivation d) {
        for (String arg : d.args()) {
            if (arg.startsWith("metadata=")) {
                return arg.substring("metadata=".length());
            }
        }
        return null;
    }

    private static String apply(List<Map.Entry<String, String>> replacements, String s) {
        for (Map.Entry<String, String> e : replacements) {
            if (s.contains(e.getKey())) {
                s = s.replace(e.getKey(), e.getValue());
            }
        }
        return s;
    }

    private Difference sourceDifference(Pair q, String pkg) {
        String of = DrvName.parse(q.b().name()).map(DrvName::pkg).orElse(pkg);
        Optional<List<FileChange>> changes = trees.compare(q.a(), q.b());
        if (changes.isEmpty()) {
            return new Difference(Kind.SOURCE, "source of " + of + " changed", List.of("- " + storeDir.print(q.a()),
                    "+ " + storeDir.print(q.b()) + " (the old tree is not in the store: no file list)"));
        }
        if (changes.get().isEmpty()) {
            return new Difference(Kind.SOURCE, "source of " + of + " changed (file modes or links)");
        }
        List<String> files = changes.get().stream().map(FileChange::toString).toList();
        return new Difference(Kind.SOURCE, String.join(", ", files) + " of " + of + " changed",
                changes.get().stream().map(c -> c.kind().name().toLowerCase(Locale.ROOT) + ": " + c.path()).toList());
    }

    private static void features(List<Difference> own, String pkg, List<String> argsA, List<String> argsB,
            Map<String, String> envA, Map<String, String> envB) {
        String fa = envA.remove(UnitDerivationPlanner.ENV_FEATURES);
        String fb = envB.remove(UnitDerivationPlanner.ENV_FEATURES);
        if (fa == null || fb == null || fa.equals(fb)) {
            return;
        }
        Set<String> a = new TreeSet<>(split(fa, ","));
        Set<String> b = new TreeSet<>(split(fb, ","));
        Set<String> enabled = new TreeSet<>(b);
        enabled.removeAll(a);
        Set<String> disabled = new TreeSet<>(a);
        disabled.removeAll(b);
        if (!enabled.isEmpty()) {
            own.add(new Difference(Kind.FEATURES, featureList(enabled) + " enabled on " + pkg));
        }
        if (!disabled.isEmpty()) {
            own.add(new Difference(Kind.FEATURES, featureList(disabled) + " disabled on " + pkg));
        }
        // What follows from them: --cfg feature="x" for rustc, CARGO_FEATURE_X and CARGO_CFG_FEATURE for build scripts.
        for (String f : union(enabled, disabled)) {
            removeCfg(argsA, f);
            removeCfg(argsB, f);
            String var = "CARGO_FEATURE_" + f.toUpperCase(Locale.ROOT).replace('-', '_');
            envA.remove(var);
            envB.remove(var);
        }
        envA.remove("CARGO_CFG_FEATURE");
        envB.remove("CARGO_CFG_FEATURE");
    }

    private static String featureList(Set<String> fs) {
        return (fs.size() == 1 ? "feature " : "features ") + String.join(", ", fs.stream().map(f -> "\"" + f + "\"")
                .toList());
    }

    private static void removeCfg(List<String> args, String feature) {
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("--cfg") && args.get(i + 1).equals("feature=\"" + feature + "\"")) {
                args.remove(i + 1);
                args.remove(i);
                return;
            }
        }
    }

    /** RUSTFLAGS: named in rustc units' env (crabstoreRustflags) and build-script runs' (CARGO_ENCODED_RUSTFLAGS). */
    private static void rustflags(List<Difference> own, List<String> argsA, List<String> argsB,
            Map<String, String> envA, Map<String, String> envB) {
        for (String key : List.of(UnitDerivationPlanner.ENV_RUSTFLAGS, "CARGO_ENCODED_RUSTFLAGS")) {
            String ra = envA.get(key);
            String rb = envB.get(key);
            if (ra == null || rb == null || ra.equals(rb)) {
                continue;
            }
            envA.remove(key);
            envB.remove(key);
            List<String> flagsA = split(ra, "\u001f");
            List<String> flagsB = split(rb, "\u001f");
            own.add(new Difference(Kind.RUSTFLAGS, "RUSTFLAGS changed (\"" + String.join(" ", flagsA) + "\" → \""
                    + String.join(" ", flagsB) + "\")"));
            if (key.equals(UnitDerivationPlanner.ENV_RUSTFLAGS)) {
                removeLast(argsA, flagsA);
                removeLast(argsB, flagsB);
            } else {
                // A build script's CARGO_CFG_* are rustc's cfgs under those flags (--cfg, -C target-feature).
                envA.keySet().removeIf(k -> k.startsWith("CARGO_CFG_"));
                envB.keySet().removeIf(k -> k.startsWith("CARGO_CFG_"));
            }
        }
    }

    private static void removeLast(List<String> args, List<String> part) {
        if (part.isEmpty()) {
            return;
        }
        for (int i = args.size() - part.size(); i >= 0; i--) {
            if (args.subList(i, i + part.size()).equals(part)) {
                args.subList(i, i + part.size()).clear();
                return;
            }
        }
    }

    private static void outputs(List<Difference> own, String pkg, Derivation a, Derivation b) {
        if (!a.outputs().keySet().equals(b.outputs().keySet())) {
            own.add(new Difference(Kind.OUTPUTS, "outputs of " + pkg + " changed: " + a.outputs().keySet() + " → "
                    + b.outputs().keySet()));
            return;
        }
        for (Map.Entry<String, DerivationOutput> e : a.outputs().entrySet()) {
            DerivationOutput ob = b.outputs().get(e.getKey());
            if (e.getValue() instanceof DerivationOutput.Fixed fa && ob instanceof DerivationOutput.Fixed fb
                    && !fa.ca().equals(fb.ca())) {
                own.add(new Difference(Kind.OUTPUTS, "expected hash of " + pkg + " changed", List.of(
                        "- " + fa.ca().hash().toBase16(), "+ " + fb.ca().hash().toBase16())));
            } else if (e.getValue().getClass() != ob.getClass()) {
                own.add(new Difference(Kind.OUTPUTS, "output " + e.getKey() + " of " + pkg + " changed kind"));
            }
        }
    }

    private boolean broughtByAnother(StorePath x, Derivation d) {
        for (StorePath other : d.inputDrvs().keySet()) {
            if (!other.equals(x) && load(other).inputDrvs().containsKey(x)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> split(String s, String sep) {
        return s.isEmpty() ? List.of() : Arrays.asList(s.split(java.util.regex.Pattern.quote(sep), -1));
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
        Set<T> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }

    /** Variables cargo sets per package, whose change is that package's. */
    static boolean ofThePackage(String k) {
        return k.startsWith("CARGO_PKG_") || k.startsWith("CARGO_MANIFEST_") || k.startsWith("CARGO_CRATE_")
                || k.startsWith("CARGO_BIN_") || k.startsWith("DEP_") || k.equals("OUT_DIR")
                || k.equals("CARGO_TARGET_TMPDIR") || k.equals("CARGO_PRIMARY_PACKAGE");
    }

    private static String shortValue(String v) {
        if (v == null) {
            return "unset";
        }
        return "\"" + (v.length() > 40 ? v.substring(0, 37) + "..." : v) + "\"";
    }
}
