package dev.crabstore.store.repair;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.build.Realiser;
import dev.crabstore.store.cache.Substituters;
import dev.crabstore.store.local.Canonicaliser;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.PathLocks;
import dev.crabstore.store.local.Provenance;
import dev.crabstore.store.local.StoreVerifier;
import dev.crabstore.store.nar.NarDigest;
import dev.crabstore.store.nar.NarDumper;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@code store verify --repair}: fixes what {@link StoreVerifier} found, as {@code nix-store --verify --repair} does.
 * <ul>
 * <li>A registered path that is missing or corrupt is fetched again from the substituters (a trusted narinfo whose NAR
 * hash and size are the registered ones, verified while it streams), else rebuilt from its deriver in the sandbox,
 * which repairs it only if the rebuild has the registered NAR hash (a unit that is not reproducible cannot be
 * repaired by building). The new tree is swapped in under the path's lock ({@link LocalStore#replaceContents}).
 * Damaged inputs of such a rebuild, and a damaged deriver, are repaired first.</li>
 * <li>A missing path that cannot be restored and that no valid path refers to loses its database row, as Nix does;
 * one that others refer to keeps it and is reported.</li>
 * <li>An entry of the store directory without a database row is debris of an interrupted run and is deleted, unless
 * a running process holds its lock (it is being built).</li>
 * </ul>
 */
public final class StoreRepairer {
    /** What became of one problem: repaired (and how) or not (and why). */
    public record Outcome(StoreVerifier.Problem problem, boolean repaired, String message) {
        @Override
        public String toString() {
            return (repaired ? "repaired " : "cannot repair ") + problem.kind() + ": " + problem.path() + ": "
                    + message;
        }
    }

    private final LocalStore store;
    private final Substituters caches;
    private final Supplier<Realiser> realiser;
    private final Clock clock;
    private final boolean contentsChecked;
    private final StoreDir sd;
    private final Map<StorePath, StoreVerifier.Problem> damaged = new LinkedHashMap<>();
    private final Map<StorePath, Outcome> done = new LinkedHashMap<>();
    private final Set<StorePath> inProgress = new HashSet<>();
    private Realiser builder;
    private String noBuilder;

    /**
     * @param caches   the substituters to fetch from, or null for none
     * @param realiser makes the realiser that rebuilds derivers (asked once, on the first rebuild; it may throw, e.g.
     *                 when there is no sandbox, and the rebuilds then fail with its message)
     */
    public StoreRepairer(LocalStore store, Substituters caches, Supplier<Realiser> realiser, Clock clock) {
        this(store, caches, realiser, clock, true);
    }

    /**
     * @param contentsChecked whether the problems come from a check of every path's contents (if not, a corrupt input
     *                        can make a rebuild differ, and the report says so)
     */
    public StoreRepairer(LocalStore store, Substituters caches, Supplier<Realiser> realiser, Clock clock,
            boolean contentsChecked) {
        this.contentsChecked = contentsChecked;
        this.store = store;
        this.caches = caches;
        this.realiser = realiser;
        this.clock = clock;
        this.sd = store.storeDir();
    }

    /** Repairs each problem (in the order given, inputs and derivers of a rebuild first); one outcome per problem. */
    public List<Outcome> repair(List<StoreVerifier.Problem> problems) {
        List<Outcome> out = new ArrayList<>();
        for (StoreVerifier.Problem p : problems) {
            if (!p.kind().equals("unregistered")) {
                damaged.put(sd.parsePath(p.path()), p);
            }
        }
        for (StoreVerifier.Problem p : problems) {
            out.add(p.kind().equals("unregistered") ? deleteUnregistered(p) : repairPath(sd.parsePath(p.path())));
        }
        return out;
    }

    private Outcome deleteUnregistered(StoreVerifier.Problem problem) {
        Path file = Path.of(problem.path());
        StorePath p;
        try {
            p = StorePath.parseBaseName(file.getFileName().toString());
        } catch (RuntimeException e) {
            // Not even a store path's name: nothing can use it, and nothing locks it.
            Canonicaliser.deleteTree(file);
            return new Outcome(problem, true, "deleted (not a store path's name)");
        }
        Optional<PathLocks.PathLock> lock = store.locks().tryLock(p);
        if (lock.isEmpty()) {
            return new Outcome(problem, false, "a running process holds its lock (it is being built); left alone");
        }
        try (PathLocks.PathLock held = lock.get()) {
            if (store.isValid(p)) {
                return new Outcome(problem, true, "it was registered meanwhile; left alone");
            }
            Canonicaliser.deleteTree(file);
            return new Outcome(problem, true, "deleted (debris of an interrupted run)");
        }
    }

    /** Repairs a damaged registered path (once: later calls return the first outcome). */
    private Outcome repairPath(StorePath p) {
        Outcome known = done.get(p);
        if (known != null) {
            return known;
        }
        StoreVerifier.Problem problem = damaged.get(p);
        if (!inProgress.add(p)) {
            return new Outcome(problem, false, "it is needed to repair itself");
        }
        Outcome o;
        try (PathLocks.PathLock lock = store.locks().lock(p)) {
            o = repairLocked(p, problem);
        } catch (CrabstoreException e) {
            o = new Outcome(problem, false, e.getMessage());
        } finally {
            inProgress.remove(p);
        }
        done.put(p, o);
        return o;
    }

    private Outcome repairLocked(StorePath p, StoreVerifier.Problem problem) {
        // A temporary root: the collector must not delete the path while it is being repaired.
        Optional<PathInfo> row = store.protect(p) ? store.query(p) : Optional.empty();
        if (row.isEmpty()) {
            return new Outcome(problem, true, "it is no longer registered (collected meanwhile)");
        }
        PathInfo info = row.get();
        if (intact(p, info)) {
            return new Outcome(problem, true, "already intact (repaired meanwhile)");
        }
        List<String> reasons = new ArrayList<>();
        Optional<String> from = fromSubstituters(p, info, reasons);
        if (from.isPresent()) {
            store.recordProvenance(p, Provenance.repaired(store.provenance(p).orElse(null), clock.instant(),
                    "substituted from " + from.get()));
            return new Outcome(problem, true, "fetched from " + from.get());
        }
        Optional<String> rebuilt = byRebuilding(p, info, reasons);
        if (rebuilt.isPresent()) {
            store.recordProvenance(p, Provenance.repaired(store.provenance(p).orElse(null), clock.instant(),
                    "rebuilt from " + rebuilt.get()));
            return new Outcome(problem, true, "rebuilt from " + rebuilt.get());
        }
        String why = String.join("; ", reasons);
        if (problem.kind().equals("missing")) {
            SortedSet<StorePath> referrers = store.database().referrers(p);
            if (referrers.isEmpty()) {
                store.database().invalidate(p);
                return new Outcome(problem, true, "removed from the database, since nothing refers to it (cannot "
                        + "restore it: " + why + ")");
            }
            return new Outcome(problem, false, why + "; its database row is kept: " + sd.print(referrers.first())
                    + (referrers.size() > 1 ? " and " + (referrers.size() - 1) + " more refer" : " refers") + " to it");
        }
        return new Outcome(problem, false, why);
    }

    /** Whether the path is on disk with its registered NAR hash (a concurrent repair may have fixed it). */
    private boolean intact(StorePath p, PathInfo info) {
        Path real = store.realPath(p);
        if (!Files.exists(real, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        NarDigest d = NarDumper.digest(real);
        return d.narHash().equals(info.narHash()) && d.narSize() == info.narSize();
    }

    private Optional<String> fromSubstituters(StorePath p, PathInfo info, List<String> reasons) {
        if (caches == null || caches.isEmpty()) {
            reasons.add("no substituters are configured");
            return Optional.empty();
        }
        Path temp = store.newTempDir("repair-" + p.name());
        try {
            Path out = temp.resolve("out");
            Substituters.Result r = caches.fetchContents(p, info.narHash(), info.narSize(), out);
            if (!r.substituted()) {
                reasons.add(String.join("; ", r.failures()));
                return Optional.empty();
            }
            store.replaceContents(p, out);
            return r.from();
        } catch (CrabstoreException e) {
            reasons.add(e.getMessage());
            return Optional.empty();
        } finally {
            Canonicaliser.deleteTree(temp);
        }
    }

    /** Rebuilds the path's deriver; the printed deriver if that repaired it, else empty (and why in reasons). */
    private Optional<String> byRebuilding(StorePath p, PathInfo info, List<String> reasons) {
        if (info.deriver().isEmpty()) {
            reasons.add("no deriver is recorded for it, so it cannot be rebuilt");
            return Optional.empty();
        }
        StorePath drvPath = info.deriver().get();
        String drvName = sd.print(drvPath);
        if (!store.isValid(drvPath)) {
            reasons.add("its deriver " + drvName + " is not in the store, so it cannot be rebuilt");
            return Optional.empty();
        }
        if (damaged.containsKey(drvPath) && !repairPath(drvPath).repaired()) {
            reasons.add("its deriver " + drvName + " is damaged and cannot be repaired");
            return Optional.empty();
        }
        Realiser r = builder();
        if (r == null) {
            reasons.add("cannot rebuild it: " + noBuilder);
            return Optional.empty();
        }
        try {
            Derivation drv = r.load(drvPath);
            if (!drv.outputPaths().containsValue(p)) {
                reasons.add("its recorded deriver " + drvName + " does not produce it");
                return Optional.empty();
            }
            for (Realiser.Outcome o : r.realise(drv.inputDrvs().keySet()).values()) {
                if (!o.succeeded()) {
                    reasons.add("cannot rebuild it: its input " + sd.print(o.drvPath()) + " failed: "
                            + o.error().orElse(""));
                    return Optional.empty();
                }
            }
            for (StorePath in : inputClosure(r, drv)) {
                if (damaged.containsKey(in) && !in.equals(p) && !repairPath(in).repaired()) {
                    reasons.add("cannot rebuild it: its input " + sd.print(in) + " is damaged and cannot be repaired");
                    return Optional.empty();
                }
            }
            String[] mismatch = {null};
            r.rebuild(drvPath, (out, tree) -> {
                if (!out.equals(p)) {
                    return;
                }
                NarDigest d = NarDumper.digest(tree);
                if (!d.narHash().equals(info.narHash()) || d.narSize() != info.narSize()) {
                    mismatch[0] = d.narHash() + " (" + d.narSize() + " bytes)";
                    return;
                }
                store.replaceContents(p, tree);
            });
            if (mismatch[0] != null) {
                reasons.add("rebuilding " + drvName + " gave NAR hash " + mismatch[0] + ", not the registered "
                        + info.narHash() + " (" + info.narSize() + " bytes): the derivation is not reproducible, so "
                        + "building cannot repair its output" + (contentsChecked ? "" : " (unless one of its inputs "
                        + "is corrupt: --check-contents finds that)"));
                return Optional.empty();
            }
            return Optional.of(drvName);
        } catch (CrabstoreException e) {
            reasons.add("rebuilding " + drvName + " failed: " + e.getMessage());
            return Optional.empty();
        }
    }

    private Realiser builder() {
        if (builder == null && noBuilder == null) {
            try {
                builder = realiser.get();
            } catch (CrabstoreException e) {
                noBuilder = e.getMessage();
            }
        }
        return builder;
    }

    /** The store paths a build of {@code drv} sees: its input sources and input outputs, with their closure. */
    private Set<StorePath> inputClosure(Realiser r, Derivation drv) {
        Deque<StorePath> todo = new ArrayDeque<>(drv.inputSrcs());
        drv.inputDrvs().forEach((in, names) -> {
            Map<String, StorePath> outs = r.load(in).outputPaths();
            names.stream().map(outs::get).filter(java.util.Objects::nonNull).forEach(todo::add);
        });
        Set<StorePath> closure = new TreeSet<>();
        while (!todo.isEmpty()) {
            StorePath q = todo.pop();
            if (closure.add(q)) {
                store.query(q).ifPresent(i -> todo.addAll(i.references()));
            }
        }
        return closure;
    }
}
