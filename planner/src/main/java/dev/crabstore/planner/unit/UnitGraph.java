package dev.crabstore.planner.unit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/** Cargo's {@code --unit-graph} output (version 1): units in cargo's order and the indices of the root units. */
public record UnitGraph(List<Unit> units, List<Integer> roots) {
    public UnitGraph {
        units = List.copyOf(units);
        roots = List.copyOf(roots);
        for (int r : roots) {
            if (r < 0 || r >= units.size()) {
                throw new IllegalArgumentException("root index " + r + " out of range");
            }
        }
    }

    /** Package ids of the root units: the packages selected on the command line (CARGO_PRIMARY_PACKAGE). */
    public java.util.Set<String> rootPackageIds() {
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        for (int r : roots) {
            ids.add(units.get(r).pkgId());
        }
        return ids;
    }

    /**
     * The graph without {@code doctest} units (crabstore runs no doctests) and the units only they needed, indices
     * renumbered in the same order; this graph itself when it has none.
     */
    public UnitGraph withoutDoctests() {
        if (units.stream().noneMatch(u -> u.mode().equals("doctest"))) {
            return this;
        }
        boolean[] keep = new boolean[units.size()];
        List<Integer> stack = new ArrayList<>();
        for (int r : roots) {
            if (!units.get(r).mode().equals("doctest")) {
                stack.add(r);
            }
        }
        while (!stack.isEmpty()) {
            int i = stack.remove(stack.size() - 1);
            if (!keep[i]) {
                keep[i] = true;
                units.get(i).dependencies().forEach(d -> stack.add(d.index()));
            }
        }
        int[] index = new int[units.size()];
        List<Unit> kept = new ArrayList<>();
        for (int i = 0; i < units.size(); i++) {
            index[i] = keep[i] ? kept.size() : -1;
            if (keep[i]) {
                kept.add(units.get(i));
            }
        }
        List<Unit> renumbered = new ArrayList<>();
        for (Unit u : kept) {
            List<UnitDependency> deps = u.dependencies().stream().map(d -> new UnitDependency(index[d.index()],
                    d.externCrateName(), d.isPublic(), d.noprelude())).toList();
            renumbered.add(new Unit(u.pkgId(), u.target(), u.profile(), u.platform(), u.mode(), u.features(), u.isStd(),
                    deps));
        }
        List<Integer> newRoots = roots.stream().filter(r -> keep[r]).map(r -> index[r]).toList();
        return new UnitGraph(renumbered, newRoots);
    }

    public Unit unit(int index) {
        return units.get(index);
    }

    /** Parses the JSON; {@code sourceName} (a file name or command) appears in every error message. */
    public static UnitGraph parse(String json, String sourceName) {
        Json j = new Json(sourceName);
        JsonNode root = j.parse(json);
        int version = j.integer(root, "version", "top level");
        if (version != 1) {
            throw new UnitGraphException(sourceName + ": unsupported unit graph version " + version + " (expected 1)");
        }
        JsonNode unitsNode = j.array(root, "units", "top level");
        int n = unitsNode.size();
        List<Unit> units = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            units.add(parseUnit(j, unitsNode.get(i), "unit " + i, n));
        }
        List<Integer> roots = new ArrayList<>();
        for (JsonNode r : j.array(root, "roots", "top level")) {
            if (!r.isIntegralNumber() || !r.canConvertToInt() || r.asInt() < 0 || r.asInt() >= n) {
                throw new UnitGraphException(sourceName + ": root " + r + " is not the index of one of the " + n
                        + " units");
            }
            roots.add(r.asInt());
        }
        return new UnitGraph(units, roots);
    }

    private static Unit parseUnit(Json j, JsonNode u, String where, int count) {
        if (!u.isObject()) {
            throw new UnitGraphException(j.source() + ": " + where + " is not an object");
        }
        String pkgId = j.str(u, "pkg_id", where);
        try {
            PackageId.parse(pkgId);
        } catch (UnitGraphException e) {
            throw new UnitGraphException(j.source() + ": " + where + ": " + e.getMessage(), e);
        }
        JsonNode t = j.field(u, "target", where);
        String tw = where + " target";
        List<String> kind = j.strings(t, "kind", tw);
        if (kind.isEmpty()) { // checked before UnitTarget, which refuses it with an untyped exception
            throw new UnitGraphException(j.source() + ": " + tw + ": empty kind");
        }
        UnitTarget target = new UnitTarget(kind, j.strings(t, "crate_types", tw),
                j.str(t, "name", tw), j.str(t, "src_path", tw), j.str(t, "edition", tw), j.bool(t, "doc", tw, false),
                j.bool(t, "doctest", tw, false), j.bool(t, "test", tw, false));
        UnitProfile profile = parseProfile(j, j.field(u, "profile", where), where + " profile");
        String platform = j.optStr(u, "platform", where);
        String mode = j.str(u, "mode", where);
        List<UnitDependency> deps = new ArrayList<>();
        JsonNode depsNode = j.array(u, "dependencies", where);
        for (int k = 0; k < depsNode.size(); k++) {
            JsonNode d = depsNode.get(k);
            String dw = where + " dependency " + k;
            int index = j.integer(d, "index", dw);
            if (index < 0 || index >= count) {
                throw new UnitGraphException(j.source() + ": " + dw + ": index " + index
                        + " does not name one of the " + count + " units");
            }
            deps.add(new UnitDependency(index, j.str(d, "extern_crate_name", dw), j.bool(d, "public", dw, false),
                    j.bool(d, "noprelude", dw, false)));
        }
        return new Unit(pkgId, target, profile, platform, mode, j.strings(u, "features", where),
                j.bool(u, "is_std", where, false), deps);
    }

    private static UnitProfile parseProfile(Json j, JsonNode p, String where) {
        JsonNode cu = p.get("codegen_units");
        Integer codegenUnits = cu == null || cu.isNull() ? null : j.integer(p, "codegen_units", where);
        JsonNode dbg = j.field(p, "debuginfo", where);
        // cargo writes the level as a number or a name ("line-tables-only"), null for none
        if (!dbg.isNull() && !dbg.isString() && !dbg.isIntegralNumber()) {
            throw new UnitGraphException(j.source() + ": " + where + ": debuginfo is " + dbg.getNodeType()
                    .toString().toLowerCase(Locale.ROOT) + ", expected a number, a string or null");
        }
        String debuginfo = dbg.isNull() ? "0" : dbg.asString();
        return new UnitProfile(j.str(p, "name", where), j.str(p, "opt_level", where), j.str(p, "lto", where),
                codegenUnits, debuginfo, j.optStr(p, "split_debuginfo", where), j.bool(p, "debug_assertions", where, false),
                j.bool(p, "overflow_checks", where, false), j.bool(p, "rpath", where, false),
                j.bool(p, "incremental", where, false), j.str(p, "panic", where), strip(j, p.get("strip"), where));
    }

    /** {@code {"deferred":"None"}}, {@code {"resolved":{"Named":"debuginfo"}}} or {@code {"resolved":"None"}}. */
    private static String strip(Json j, JsonNode s, String where) {
        if (s == null || s.isNull()) {
            return "none";
        }
        JsonNode v = s.has("resolved") ? s.get("resolved") : s.get("deferred");
        if (v == null) {
            throw new UnitGraphException(j.source() + ": " + where + ": strip has neither 'resolved' nor 'deferred'");
        }
        if (v.isObject() && v.has("Named")) {
            v = v.get("Named");
        }
        if (!v.isString()) {
            throw new UnitGraphException(j.source() + ": " + where + ": unreadable strip value " + s);
        }
        String name = v.asString();
        // "deferred" None means: no strip unless cargo decided otherwise; cargo prints the final decision as resolved.
        return name.equalsIgnoreCase("none") ? "none" : s.has("deferred") ? "none" : name;
    }
}
