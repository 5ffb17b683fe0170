package dev.crabstore.planner.diff;

import dev.crabstore.core.path.StorePath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code crabstore why-rebuild}: the units of the current plan whose outputs are not in the store, grouped by root
 * cause against the last build's units. Each unit is paired with the last build's unit of the same name (or of another
 * version); its causes are the root causes of that pair ({@link DerivationDiff}). A unit counts once under each of
 * its causes.
 */
public final class RebuildReasons {
    /** A unit the last build did not have (a dependency that a feature or a lockfile change brought in). */
    public static final String NEW_UNITS = "not in the last build (new units)";
    /** A unit identical to the last build's whose output is gone. */
    public static final String OUTPUT_MISSING = "output not in the store (garbage-collected, or the build failed)";

    /** One root cause (its description, or one of the two above) and the units it invalidates, in plan order. */
    public record Group(String cause, String kind, List<StorePath> units) {
        public Group {
            units = List.copyOf(units);
        }
    }

    private RebuildReasons() {}

    /**
     * @param lastUnits   the unit derivations of the last build
     * @param units       the unit derivations of the current plan
     * @param mustRebuild those of {@code units} whose outputs are not valid
     */
    public static List<Group> group(List<StorePath> lastUnits, List<StorePath> units, List<StorePath> mustRebuild,
            DerivationDiff diff) {
        InputPairing pairing = InputPairing.of(lastUnits, units, diff::discriminator);
        Map<StorePath, StorePath> oldOf = new HashMap<>();
        pairing.pairs().forEach(p -> oldOf.put(p.b(), p.a()));
        Map<String, String> kinds = new LinkedHashMap<>();
        Map<String, List<StorePath>> groups = new LinkedHashMap<>();
        for (StorePath u : mustRebuild) {
            StorePath old = oldOf.get(u);
            Set<String> causes = new LinkedHashSet<>();
            if (old == null) {
                causes.add(NEW_UNITS);
                kinds.put(NEW_UNITS, "new-unit");
            } else if (old.equals(u)) {
                causes.add(OUTPUT_MISSING);
                kinds.put(OUTPUT_MISSING, "output-missing");
            } else {
                for (RootCause c : diff.rootCauses(old, u)) {
                    for (Difference d : c.differences()) {
                        causes.add(d.description());
                        kinds.putIfAbsent(d.description(), d.kindName());
                    }
                }
            }
            causes.forEach(c -> groups.computeIfAbsent(c, k -> new ArrayList<>()).add(u));
        }
        List<Group> out = new ArrayList<>();
        groups.forEach((cause, us) -> out.add(new Group(cause, kinds.get(cause), us)));
        out.sort(Comparator.comparingInt((Group g) -> -g.units().size()).thenComparing(Group::cause));
        return out;
    }
}
