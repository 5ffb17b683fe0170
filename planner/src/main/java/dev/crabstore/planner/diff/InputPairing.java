package dev.crabstore.planner.diff;

import dev.crabstore.core.path.StorePath;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Matches the inputs (derivations or sources) of an old and a new derivation, as nix-diff does, by name: the same
 * path, else the same name (several of one name, such as a crate built for the host and for the target, by their
 * {@code discriminator}: features and platform), else the same package and unit kind with another version. What is
 * left was added or removed.
 */
public record InputPairing(List<Pair> pairs, List<StorePath> onlyA, List<StorePath> onlyB) {
    /** An old input and the new one that takes its place. */
    public record Pair(StorePath a, StorePath b) {
        public boolean same() {
            return a.equals(b);
        }
    }

    public static InputPairing of(Collection<StorePath> a, Collection<StorePath> b) {
        return of(a, b, p -> "");
    }

    public static InputPairing of(Collection<StorePath> a, Collection<StorePath> b,
            Function<StorePath, String> discriminator) {
        List<Pair> pairs = new ArrayList<>();
        TreeSet<StorePath> restA = new TreeSet<>(a);
        TreeSet<StorePath> restB = new TreeSet<>(b);
        for (StorePath p : a) {
            if (restB.remove(p)) {
                restA.remove(p);
                pairs.add(new Pair(p, p));
            }
        }
        // Same name: one each is a pair; several each are paired by discriminator first, then in order.
        Map<String, List<StorePath>> byNameA = group(restA, StorePath::name);
        Map<String, List<StorePath>> byNameB = group(restB, StorePath::name);
        for (Map.Entry<String, List<StorePath>> e : byNameA.entrySet()) {
            List<StorePath> as = e.getValue();
            List<StorePath> bs = byNameB.getOrDefault(e.getKey(), List.of());
            if (bs.isEmpty()) {
                continue;
            }
            List<StorePath> freeA = new ArrayList<>(as);
            List<StorePath> freeB = new ArrayList<>(bs);
            if (as.size() > 1 || bs.size() > 1) {
                for (StorePath x : as) {
                    String d = discriminator.apply(x);
                    StorePath match = freeB.stream().filter(y -> discriminator.apply(y).equals(d)).findFirst()
                            .orElse(null);
                    if (match != null) {
                        pair(pairs, restA, restB, freeA, freeB, x, match);
                    }
                }
            }
            while (!freeA.isEmpty() && !freeB.isEmpty()) {
                pair(pairs, restA, restB, freeA, freeB, freeA.get(0), freeB.get(0));
            }
        }
        // Another version of the same unit: only when it is the one candidate on each side.
        Map<String, List<StorePath>> byKeyA = group(restA, InputPairing::versionlessKey);
        Map<String, List<StorePath>> byKeyB = group(restB, InputPairing::versionlessKey);
        for (Map.Entry<String, List<StorePath>> e : byKeyA.entrySet()) {
            List<StorePath> bs = byKeyB.get(e.getKey());
            if (!e.getKey().isEmpty() && e.getValue().size() == 1 && bs != null && bs.size() == 1) {
                pairs.add(new Pair(e.getValue().get(0), bs.get(0)));
                restA.remove(e.getValue().get(0));
                restB.remove(bs.get(0));
            }
        }
        pairs.sort(java.util.Comparator.comparing(Pair::a));
        return new InputPairing(List.copyOf(pairs), List.copyOf(restA), List.copyOf(restB));
    }

    private static void pair(List<Pair> pairs, TreeSet<StorePath> restA, TreeSet<StorePath> restB,
            List<StorePath> freeA, List<StorePath> freeB, StorePath x, StorePath y) {
        pairs.add(new Pair(x, y));
        restA.remove(x);
        restB.remove(y);
        freeA.remove(x);
        freeB.remove(y);
    }

    private static String versionlessKey(StorePath p) {
        return DrvName.parse(p.name()).map(DrvName::versionlessKey).orElse("");
    }

    private static Map<String, List<StorePath>> group(Collection<StorePath> paths, Function<StorePath, String> key) {
        Map<String, List<StorePath>> out = new TreeMap<>();
        for (StorePath p : paths) {
            out.computeIfAbsent(key.apply(p), k -> new ArrayList<>()).add(p);
        }
        return new LinkedHashMap<>(out);
    }
}
