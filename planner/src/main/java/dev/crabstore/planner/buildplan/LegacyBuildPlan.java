package dev.crabstore.planner.buildplan;

import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.UnitGraph;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A recorded legacy {@code cargo build --build-plan -Z unstable-options} document (cargo 1.28–1.92; removed in
 * 1.93): the invocations in job-queue order and the manifests cargo read. {@code source} (a file name) appears in
 * every error message. {@link #toUnitGraph} turns it into the unit graph today's cargo would print.
 */
public record LegacyBuildPlan(String source, List<BuildPlanInvocation> invocations, List<String> inputs) {
    /** Cargo's {@code CompileMode} as serialized, the same words as in a unit graph's {@code mode}. */
    public static final Set<String> COMPILE_MODES = Set.of("build", "check", "test", "bench", "doc", "doctest",
            "docscrape", "run-custom-build");

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final List<String> FIELDS = List.of("package_name", "package_version", "target_kind", "kind",
            "compile_mode", "deps", "outputs", "links", "program", "args", "env", "cwd");

    public LegacyBuildPlan {
        Objects.requireNonNull(source, "source");
        invocations = List.copyOf(invocations);
        inputs = List.copyOf(inputs);
    }

    public BuildPlanInvocation invocation(int index) {
        return invocations.get(index);
    }

    /** The unit graph this plan describes, with package ids and targets taken from the same workspace's metadata. */
    public UnitGraph toUnitGraph(CargoMetadata metadata) {
        return new BuildPlanConverter(this, metadata).convert();
    }

    /** Parses and checks the JSON: every field present and of its type, known compile modes, deps in range. */
    public static LegacyBuildPlan parse(String json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new BuildPlanException(source + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BuildPlanException(source + ": not a JSON object (a build plan is {\"invocations\":[...],"
                    + "\"inputs\":[...]})");
        }
        Reader r = new Reader(source);
        JsonNode invs = r.array(root, "invocations", "top level");
        List<String> inputs = r.strings(root, "inputs", "top level");
        int n = invs.size();
        List<BuildPlanInvocation> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(parseInvocation(r, invs.get(i), i, n));
        }
        return new LegacyBuildPlan(source, out, inputs);
    }

    private static BuildPlanInvocation parseInvocation(Reader r, JsonNode v, int i, int count) {
        String where = "invocation " + i;
        if (!v.isObject()) {
            throw r.error(where, "not a JSON object");
        }
        for (String f : FIELDS) {
            if (!v.has(f)) {
                throw r.error(where, "missing field '" + f + "'");
            }
        }
        String mode = r.str(v, "compile_mode", where);
        if (!COMPILE_MODES.contains(mode)) {
            throw r.error(where, "unknown compile_mode '" + mode + "' (expected one of "
                    + String.join(", ", COMPILE_MODES.stream().sorted().toList()) + ")");
        }
        List<String> targetKind = r.strings(v, "target_kind", where);
        if (targetKind.isEmpty()) {
            throw r.error(where, "empty target_kind");
        }
        List<Integer> deps = new ArrayList<>();
        JsonNode d = r.array(v, "deps", where);
        for (int k = 0; k < d.size(); k++) {
            JsonNode e = d.get(k);
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw r.error(where, "deps[" + k + "] = " + e + " is not an invocation index");
            }
            int dep = e.asInt();
            if (dep < 0 || dep >= count) {
                throw r.error(where, "deps[" + k + "] = " + dep + " is not the index of one of the " + count
                        + " invocations");
            }
            if (dep == i) {
                throw r.error(where, "deps[" + k + "] = " + dep + " names the invocation itself");
            }
            deps.add(dep);
        }
        return new BuildPlanInvocation(r.str(v, "package_name", where), r.str(v, "package_version", where),
                targetKind, r.optStr(v, "kind", where), mode, deps, r.strings(v, "outputs", where),
                r.stringMap(v, "links", where), r.str(v, "program", where), r.strings(v, "args", where),
                r.stringMap(v, "env", where), r.optStr(v, "cwd", where));
    }

    /** Typed access to fields; every problem is a {@link BuildPlanException} naming the file and the item. */
    private record Reader(String source) {
        BuildPlanException error(String where, String problem) {
            return new BuildPlanException(source + ": " + where + ": " + problem);
        }

        JsonNode field(JsonNode obj, String name, String where) {
            JsonNode n = obj.get(name);
            if (n == null) {
                throw error(where, "missing field '" + name + "'");
            }
            return n;
        }

        String str(JsonNode obj, String name, String where) {
            JsonNode n = field(obj, name, where);
            if (!n.isString()) {
                throw error(where, "field '" + name + "' is not a string");
            }
            return n.asString();
        }

        String optStr(JsonNode obj, String name, String where) {
            JsonNode n = field(obj, name, where);
            if (n.isNull()) {
                return null;
            }
            if (!n.isString()) {
                throw error(where, "field '" + name + "' is neither a string nor null");
            }
            return n.asString();
        }

        JsonNode array(JsonNode obj, String name, String where) {
            JsonNode n = field(obj, name, where);
            if (!n.isArray()) {
                throw error(where, "field '" + name + "' is not an array");
            }
            return n;
        }

        List<String> strings(JsonNode obj, String name, String where) {
            List<String> out = new ArrayList<>();
            JsonNode a = array(obj, name, where);
            for (int k = 0; k < a.size(); k++) {
                if (!a.get(k).isString()) {
                    throw error(where, "field '" + name + "'[" + k + "] is not a string");
                }
                out.add(a.get(k).asString());
            }
            return out;
        }

        Map<String, String> stringMap(JsonNode obj, String name, String where) {
            JsonNode m = field(obj, name, where);
            if (!m.isObject()) {
                throw error(where, "field '" + name + "' is not an object");
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : m.properties()) {
                if (!e.getValue().isString()) {
                    throw error(where, "field '" + name + "' entry '" + e.getKey() + "' is not a string");
                }
                out.put(e.getKey(), e.getValue().asString());
            }
            return out;
        }
    }
}
