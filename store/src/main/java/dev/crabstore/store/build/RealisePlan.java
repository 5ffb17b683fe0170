package dev.crabstore.store.build;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.cache.Substituters;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What realising some derivations will do, decided before anything runs: which derivations of their closure are
 * substituted (and from which cache), which are built, and the order they are taken in. {@link Realiser#realise}
 * follows it; {@code why-rebuild} reports it without building, fetching or registering anything (the caches are only
 * asked for narinfos).
 *
 * <p>The caches are asked top-down, a level of the graph at a time with the queries of a level in parallel, so the
 * inputs of a derivation that will be substituted are not even asked about (a fully cached build fetches its roots'
 * closures and builds nothing). A derivation whose outputs are all valid needs none of its inputs: its subgraph is not
 * read either.
 *
 * @param order       the closure to realise, every derivation after the inputs it is realised from; the valid and the
 *                    substituted ones come without their inputs
 * @param toBuild     the derivations of {@code order} that are built: not valid, and no cache has their outputs
 * @param toSubstitute the derivations whose outputs a cache has under a trusted signature (or a content address), each
 *                    with the URL of the cache that has its first missing output, in the order they were found
 * @param valid       the derivations of {@code order} whose outputs were all valid when it was decided
 */
public record RealisePlan(List<StorePath> order, Set<StorePath> toBuild, Map<StorePath, String> toSubstitute,
        Set<StorePath> valid) {
    /** How many narinfo queries of one level run at once. */
    static final int QUERIES = 8;

    public RealisePlan {
        order = List.copyOf(order);
        toBuild = Set.copyOf(toBuild);
        toSubstitute = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(toSubstitute));
        valid = Set.copyOf(valid);
    }

    /**
     * The derivations never fetched unless a caller says otherwise: a test run's fetched report is only the signer's
     * word that the tests passed ({@code test --substitute-test-runs} accepts it).
     */
    public static final Predicate<Derivation> TEST_RUNS =
            d -> d.builder().equals(dev.crabstore.planner.derive.TestRunPlanner.BUILDER);

    /**
     * Decides how {@code roots} are realised, never substituting {@link #TEST_RUNS} (as {@link Realiser} by default).
     *
     * @param load        the derivation of a {@code .drv} path
     * @param outputValid whether an output path is valid in the store
     * @param caches      the substituters, or null for none
     */
    public static RealisePlan decide(Collection<StorePath> roots, Function<StorePath, Derivation> load,
            Predicate<StorePath> outputValid, Substituters caches) {
        return decide(roots, load, outputValid, caches, TEST_RUNS);
    }

    /**
     * As {@link #decide(Collection, Function, Predicate, Substituters)}, with the derivations {@code neverSubstituted}
     * accepts built even when a cache has their outputs (their inputs may still be substituted).
     */
    public static RealisePlan decide(Collection<StorePath> roots, Function<StorePath, Derivation> load,
            Predicate<StorePath> outputValid, Substituters caches, Predicate<Derivation> neverSubstituted) {
        Predicate<StorePath> allValid = p -> allOutputsValid(load.apply(p), outputValid);
        Map<StorePath, String> substitutable = substitutable(roots, load, allValid, outputValid, caches,
                neverSubstituted);
        List<StorePath> order = new ArrayList<>();
        Set<StorePath> expanded = new HashSet<>();
        Set<StorePath> valid = new HashSet<>();
        Set<StorePath> done = new TreeSet<>();
        Set<StorePath> visiting = new TreeSet<>();
        for (StorePath r : roots) {
            visit(r, load, allValid, substitutable.keySet(), done, visiting, order, expanded, valid);
        }
        return new RealisePlan(order, expanded, substitutable, valid);
    }

    /** Whether every output of {@code drv} has a known path and is valid. */
    static boolean allOutputsValid(Derivation drv, Predicate<StorePath> outputValid) {
        SortedMap<String, StorePath> outputs = drv.outputPaths();
        return outputs.size() == drv.outputs().size() && outputs.values().stream().allMatch(outputValid);
    }

    /** The derivations of the closure whose missing outputs a cache has, each with that cache, asked top-down. */
    private static Map<StorePath, String> substitutable(Collection<StorePath> roots,
            Function<StorePath, Derivation> load, Predicate<StorePath> allValid, Predicate<StorePath> outputValid,
            Substituters caches, Predicate<Derivation> neverSubstituted) {
        Map<StorePath, String> out = new LinkedHashMap<>();
        if (caches == null || caches.isEmpty()) {
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(QUERIES, r -> {
            Thread t = new Thread(r, "narinfo");
            t.setDaemon(true);
            return t;
        });
        try {
            Set<StorePath> seen = new HashSet<>();
            List<StorePath> level = new ArrayList<>(roots);
            while (!level.isEmpty()) {
                Map<StorePath, CompletableFuture<Optional<String>>> answers = new LinkedHashMap<>();
                for (StorePath p : level) {
                    if (seen.add(p) && !allValid.test(p)) {
                        Derivation d = load.apply(p);
                        answers.put(p, neverSubstituted.test(d) ? CompletableFuture.completedFuture(Optional.empty())
                                : CompletableFuture.supplyAsync(() -> cacheOfAll(d, outputValid, caches), pool));
                    }
                }
                List<StorePath> next = new ArrayList<>();
                answers.forEach((p, f) -> f.join().ifPresentOrElse(url -> out.put(p, url),
                        () -> next.addAll(load.apply(p).inputDrvs().keySet())));
                level = next;
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The cache of the first missing output of {@code d} if some cache has every missing one ("" when none is
     * missing any more), else empty.
     */
    private static Optional<String> cacheOfAll(Derivation d, Predicate<StorePath> outputValid, Substituters caches) {
        String first = null;
        for (StorePath o : d.outputPaths().values()) {
            if (outputValid.test(o)) {
                continue;
            }
            Optional<String> from = caches.cacheOf(o);
            if (from.isEmpty()) {
                return Optional.empty();
            }
            first = first == null ? from.get() : first;
        }
        return Optional.of(first == null ? "" : first);
    }

    private static void visit(StorePath p, Function<StorePath, Derivation> load, Predicate<StorePath> allValid,
            Set<StorePath> substitutable, Set<StorePath> done, Set<StorePath> visiting, List<StorePath> order,
            Set<StorePath> expanded, Set<StorePath> valid) {
        if (done.contains(p)) {
            return;
        }
        if (!visiting.add(p)) {
            throw new CrabstoreException("derivation cycle through " + p);
        }
        boolean isValid = allValid.test(p);
        if (isValid) {
            valid.add(p);
        }
        if (!isValid && !substitutable.contains(p)) {
            expanded.add(p);
            for (StorePath in : load.apply(p).inputDrvs().keySet()) {
                visit(in, load, allValid, substitutable, done, visiting, order, expanded, valid);
            }
        }
        visiting.remove(p);
        done.add(p);
        order.add(p);
    }
}
