package dev.crabstore.planner.diff;

import dev.crabstore.core.path.StorePath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code crabstore why-rebuild}: what the next build does with the units of the current plan whose outputs are not in
 * the store ({@link #explain}). Those it compiles are grouped by root cause against the last build's units: each unit
 * is paired with the last build's unit of the same name (or of another version); its causes are the root causes of
 * that pair ({@link DerivationDiff}), and it counts once under each of its causes. Those a binary cache has are grouped
 * by cache, and those the build does not need at all are listed apart.
 */
public final class RebuildReasons {
    /** The cause of every unit to compile when there is no last build to compare with. */
    public static final String NO_LAST_BUILD = "no build of this workspace and selection recorded ('crabstore build' "
            + "records one)";
    /** A unit the last build did not have (a dependency that a feature or a lockfile change brought in). */
    public static final String NEW_UNITS = "not in the last build (new units)";
    /** A unit identical to the last build's whose output is gone. */
    public static final String OUTPUT_MISSING = "output not in the store (garbage-collected, or the build failed)";

    /**
     * One root cause (its description, or one of the two above) and the units it invalidates, in plan order, with
     * what changed ({@code - old} / {@code + new} lines, as {@code diff} shows them; empty when there is nothing more
     * to say).
     */
    public record Group(String cause, String kind, List<StorePath> units, List<String> details) {
        public Group {
            units = List.copyOf(units);
            details = List.copyOf(details);
        }

        public Group(String cause, String kind, List<StorePath> units) {
            this(cause, kind, units, List.of());
        }
    }

    /** The units the next build would fetch from one cache, in plan order. */
    public record Substitution(String from, List<StorePath> units) {
        public Substitution {
            units = List.copyOf(units);
        }
    }

    /**
     * What the next build does with the units whose outputs are not in the store.
     *
     * @param compile       the units it compiles, in plan order
     * @param causes        those grouped by root cause ({@link #group}, or all under {@link #NO_LAST_BUILD})
     * @param substitutions the units it fetches from a binary cache instead, by cache (in the order the caches first
     *                      appear in the plan)
     * @param notNeeded     the units it neither compiles nor fetches: every unit that needs them is in the store or
     *                      fetched
     */
    public record Explanation(List<StorePath> compile, List<Group> causes, List<Substitution> substitutions,
            List<StorePath> notNeeded) {
        public Explanation {
            compile = List.copyOf(compile);
            causes = List.copyOf(causes);
            substitutions = List.copyOf(substitutions);
            notNeeded = List.copyOf(notNeeded);
        }

        /** How many units the build fetches from caches. */
        public int substituted() {
            return substitutions.stream().mapToInt(s -> s.units().size()).sum();
        }

        /** Whether the build has nothing to compile or fetch. */
        public boolean nothingToDo() {
            return compile.isEmpty() && substitutions.isEmpty();
        }
    }

    private RebuildReasons() {}

    /**
     * Explains the next build of a plan, as its realisation was decided (the derivations built and those substituted:
     * the store's dry run of the build).
     *
     * @param units        the unit derivations of the current plan, in plan order
     * @param missing      those whose outputs are not valid
     * @param toBuild      the derivations the build would build (only its units count here)
     * @param toSubstitute the derivations the build would fetch instead, each with its cache's URL
     * @param lastUnits    the unit derivations of the last build, if one is recorded
     * @param diff         compares a last build's unit with the current one (only used with {@code lastUnits})
     */
    public static Explanation explain(List<StorePath> units, Set<StorePath> missing, Set<StorePath> toBuild,
            Map<StorePath, String> toSubstitute, Optional<List<StorePath>> lastUnits, DerivationDiff diff) {
        List<StorePath> compile = new ArrayList<>();
        Map<String, List<StorePath>> fetched = new LinkedHashMap<>();
        List<StorePath> notNeeded = new ArrayList<>();
        for (StorePath u : units) {
            if (toBuild.contains(u)) {
                compile.add(u);
            } else if (toSubstitute.containsKey(u)) {
                fetched.computeIfAbsent(toSubstitute.get(u), k -> new ArrayList<>()).add(u);
            } else if (missing.contains(u)) {
                notNeeded.add(u);
            }
        }
        List<Group> causes;
        if (compile.isEmpty()) {
            causes = List.of();
        } else if (lastUnits.isEmpty()) {
            causes = List.of(new Group(NO_LAST_BUILD, "no-last-build", compile));
        } else {
            causes = group(lastUnits.get(), units, compile, diff);
        }
        List<Substitution> substitutions = new ArrayList<>();
        fetched.forEach((from, us) -> substitutions.add(new Substitution(from, us)));
        return new Explanation(compile, causes, substitutions, notNeeded);
    }

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
        Map<String, List<String>> details = new HashMap<>();
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
                        details.putIfAbsent(d.description(), d.details());
                    }
                }
            }
            causes.forEach(c -> groups.computeIfAbsent(c, k -> new ArrayList<>()).add(u));
        }
        List<Group> out = new ArrayList<>();
        groups.forEach((cause, us) -> out.add(new Group(cause, kinds.get(cause), us,
                details.getOrDefault(cause, List.of()))));
        out.sort(Comparator.comparingInt((Group g) -> -g.units().size()).thenComparing(Group::cause));
        return out;
    }
}
