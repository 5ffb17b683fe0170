package dev.crabstore.store.timing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The longest chain of units by duration through the dependency graph: the units that, even with unlimited
 * parallelism, had to run one after the other. Pure: the same units give the same path.
 */
public final class CriticalPath {
    private CriticalPath() {}

    /** The chain's unit ids, first (a unit with no timed dependency) to last, and the sum of their durations. */
    public record Result(List<Integer> ids, long millis) {
        public Result {
            ids = List.copyOf(ids);
        }
    }

    /**
     * The critical path through {@code units}; dependencies on ids that are not among them are ignored, ties go to
     * the lower id, and a cycle is an {@link IllegalArgumentException}.
     */
    public static Result of(List<UnitTiming> units) {
        Map<Integer, UnitTiming> byId = new HashMap<>();
        for (UnitTiming u : units) {
            if (byId.put(u.node().id(), u) != null) {
                throw new IllegalArgumentException("unit id " + u.node().id() + " appears twice");
            }
        }
        Map<Integer, Long> longest = new HashMap<>();
        Map<Integer, Integer> via = new HashMap<>();
        for (UnitTiming u : units) {
            visit(u.node().id(), byId, longest, via, new java.util.HashSet<>());
        }
        int best = -1;
        long bestMillis = -1;
        for (UnitTiming u : units) {
            long l = longest.get(u.node().id());
            if (l > bestMillis || (l == bestMillis && u.node().id() < best)) {
                best = u.node().id();
                bestMillis = l;
            }
        }
        if (bestMillis <= 0) {
            return new Result(List.of(), 0);
        }
        List<Integer> chain = new ArrayList<>();
        for (Integer i = best; i != null; i = via.get(i)) {
            chain.add(i);
        }
        Collections.reverse(chain);
        return new Result(chain, bestMillis);
    }

    /** Iterative depth-first search (deep graphs must not overflow the stack). */
    private static void visit(int root, Map<Integer, UnitTiming> byId, Map<Integer, Long> longest,
            Map<Integer, Integer> via, java.util.Set<Integer> onPath) {
        if (longest.containsKey(root)) {
            return;
        }
        java.util.ArrayDeque<int[]> stack = new java.util.ArrayDeque<>(); // {id, next dependency index}
        stack.push(new int[] {root, 0});
        onPath.add(root);
        while (!stack.isEmpty()) {
            int[] top = stack.peek();
            List<Integer> deps = byId.get(top[0]).node().deps();
            if (top[1] < deps.size()) {
                int d = deps.get(top[1]++);
                if (!byId.containsKey(d) || longest.containsKey(d)) {
                    continue;
                }
                if (!onPath.add(d)) {
                    throw new IllegalArgumentException("dependency cycle through unit " + d + " ("
                            + byId.get(d).node().label() + ")");
                }
                stack.push(new int[] {d, 0});
                continue;
            }
            stack.pop();
            onPath.remove(top[0]);
            long bestDep = 0;
            Integer bestId = null;
            for (int d : deps) {
                Long l = longest.get(d);
                if (l != null && (l > bestDep || (l == bestDep && l > 0 && bestId != null && d < bestId))) {
                    bestDep = l;
                    bestId = d;
                }
            }
            longest.put(top[0], bestDep + byId.get(top[0]).millis());
            if (bestId != null) {
                via.put(top[0], bestId);
            }
        }
    }
}
