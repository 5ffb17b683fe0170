package dev.crabstore.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A workspace's units as {@code crabstore plan --format json} prints them, for tests that work out independently
 * which units a change invalidates: the units it touches and, transitively, every unit that depends on one of them.
 */
record UnitPlan(List<JsonNode> units) {
    static UnitPlan of(Map<String, String> env, Path ws, String... flags) {
        List<String> args = new ArrayList<>(List.of("plan", "--dir", ws.toString(), "--format", "json"));
        args.addAll(List.of(flags));
        CliRun r = CliRun.run(new byte[0], env, args.toArray(String[]::new)).assertOk();
        JsonNode root = JsonMapper.builder().build().readTree(r.out());
        List<JsonNode> us = new ArrayList<>();
        root.get("units").forEach(us::add);
        return new UnitPlan(us);
    }

    /** The units {@code touched} selects and all their dependents (the reverse-dependency closure). */
    Set<Integer> dependentsClosure(Predicate<JsonNode> touched) {
        Set<Integer> out = new TreeSet<>();
        units.stream().filter(touched).forEach(u -> out.add(u.get("index").asInt()));
        boolean grew = true;
        while (grew) {
            grew = false;
            for (JsonNode u : units) {
                int i = u.get("index").asInt();
                if (out.contains(i)) {
                    continue;
                }
                for (JsonNode d : u.get("dependencies")) {
                    if (out.contains(d.get("index").asInt())) {
                        out.add(i);
                        grew = true;
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** The closure of the units of one package. */
    int invalidatedBy(String pkg) {
        return dependentsClosure(u -> u.get("package").asString().equals(pkg)).size();
    }

    String drvPath(Predicate<JsonNode> which) {
        return units.stream().filter(which).findFirst().orElseThrow().get("drvPath").asString();
    }
}
