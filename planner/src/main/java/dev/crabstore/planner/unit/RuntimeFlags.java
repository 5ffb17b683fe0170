package dev.crabstore.planner.unit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of a rustc invocation that comes from build scripts and is known only once they have run (cargo-mechanics
 * §2.2 rows 34–37, §3.3): {@code -L} from the unit's own and its linkable dependencies' scripts (paths inside a
 * script's OUT_DIR first), then the own script's {@code -l} (for a lib, or a bin of a package without lib), link
 * args whose scope applies, {@code --cfg} and {@code --check-cfg}; and the own script's {@code rustc-env}.
 * The planner applies it with known outputs; the builder applies it at build time with the real ones.
 */
public final class RuntimeFlags {
    private RuntimeFlags() {}

    /** One build script's output, with the OUT_DIR it ran with. */
    public record Run(String outDir, BuildScriptOutput output) {}

    /** Extra arguments (appended in order) and environment for rustc. */
    public record Parts(List<String> args, Map<String, String> env) {}

    /**
     * @param linkSearchRuns the unit's own run and its linkable dependencies' runs, in cargo's order
     * @param own            the unit's own package's run, or null
     * @param linkLibs       whether the own script's {@code -l} apply (a lib target, or a bin of a package without lib)
     * @param linkArgScopes  the link-arg scopes that apply to this unit ({@link #linkArgScopes})
     */
    public static Parts of(List<Run> linkSearchRuns, Run own, boolean linkLibs, Set<String> linkArgScopes) {
        List<String> a = new ArrayList<>();
        List<String> inside = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        for (Run r : linkSearchRuns) {
            for (String s : r.output().linkSearch()) {
                String path = s.contains("=") ? s.substring(s.indexOf('=') + 1) : s;
                (path.startsWith(r.outDir()) ? inside : outside).add(s);
            }
        }
        inside.addAll(outside);
        for (String s : inside) {
            a.add("-L");
            a.add(s);
        }
        Map<String, String> env = new LinkedHashMap<>();
        if (own != null) {
            BuildScriptOutput o = own.output();
            if (linkLibs) {
                for (String l : o.linkLibs()) {
                    a.add("-l");
                    a.add(l);
                }
            }
            for (BuildScriptOutput.LinkArg la : o.linkArgs()) {
                String scope = la.scope().equals("bin") ? "bin=" + la.binName() : la.scope();
                if (linkArgScopes.contains(scope)) {
                    a.add("-C");
                    a.add("link-arg=" + la.arg());
                }
            }
            for (String c : o.cfgs()) {
                a.add("--cfg");
                a.add(c);
            }
            for (String c : o.checkCfgs()) {
                a.add("--check-cfg");
                a.add(c);
            }
            for (Map.Entry<String, String> e : o.env()) {
                env.put(e.getKey(), e.getValue());
            }
        }
        return new Parts(a, env);
    }

    /** The link-arg scopes that apply to a unit: all, bins, bin=NAME, tests, benches, examples, cdylib. */
    public static Set<String> linkArgScopes(Unit u) {
        UnitTarget t = u.target();
        boolean test = u.mode().equals("test");
        Set<String> s = new java.util.TreeSet<>();
        if (!t.isCustomBuild()) {
            s.add("all");
        }
        if (t.isBin() && !test) {
            s.add("bins");
            s.add("bin=" + t.name());
        }
        if (test) {
            s.add("tests");
        }
        if (t.kind().contains("bench")) {
            s.add("benches");
        }
        if (t.isExample()) {
            s.add("examples");
        }
        if (t.crateTypes().contains("cdylib")) {
            s.add("cdylib");
        }
        return s;
    }
}
