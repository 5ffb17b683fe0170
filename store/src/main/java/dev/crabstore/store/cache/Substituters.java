package dev.crabstore.store.cache;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.store.cache.transport.CacheTransport;
import dev.crabstore.store.cache.transport.TransportException;
import dev.crabstore.store.local.LocalStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The binary caches a build may fetch outputs from instead of building them, in priority order (lower first: the
 * {@code Priority} of each cache's {@code nix-cache-info}, or {@code ?priority=N} in its URL), trusting only narinfos
 * signed by the trusted keys (or content-addressed). Nothing is asked before the first query, so a build with nothing
 * to do touches no cache. A cache that cannot be opened is left out with a warning, one that fails
 * {@value #FAILURES_BEFORE_GIVING_UP} times in a row (unreachable, HTTP 5xx, timeouts) is not asked again in this
 * run, and a path a cache lacks is remembered for the negative TTL ({@link NarinfoMisses}).
 */
public final class Substituters implements AutoCloseable {
    static final int FAILURES_BEFORE_GIVING_UP = 3;
    /** How many narinfo queries and NAR downloads one run makes at once. */
    static final int THREADS = 6;
    private static final Pattern PRIORITY = Pattern.compile("([?&])priority=(\\d+)(&|$)");

    /** One cache: its transport, and how it has been doing in this run. */
    private static final class Source {
        final String url;
        final CacheTransport transport;
        final BinaryCache cache;
        final int priority;
        /** Failed requests of any kind; a narinfo read resets it. */
        final AtomicInteger failuresInARow = new AtomicInteger();
        /** NARs it could not deliver (unreachable, truncated, corrupt); only a NAR delivered resets it. */
        final AtomicInteger narFailuresInARow = new AtomicInteger();
        volatile boolean givenUp;

        Source(String url, CacheTransport transport, BinaryCache cache, int priority) {
            this.url = url;
            this.transport = transport;
            this.cache = cache;
            this.priority = priority;
        }
    }

    /**
     * What substituting one path did.
     *
     * @param from     the cache the path itself came from; {@code ""} when it became valid without this call fetching
     *                 it (another thread or process built or fetched it meanwhile); empty when no cache could
     *                 deliver it
     * @param bytes    the bytes read from caches for it and the references it needed
     * @param failures what went wrong on the way, one entry per cache and problem (also when another cache delivered)
     */
    public record Result(Optional<String> from, long bytes, List<String> failures) {
        public Result {
            failures = List.copyOf(failures);
        }

        public boolean substituted() {
            return from.isPresent();
        }
    }

    private final List<String> configured;
    private final TrustedKeys trusted;
    private final StoreDir storeDir;
    private final Map<String, String> env;
    private final Duration timeout;
    private final NarinfoMisses misses;
    private final Consumer<String> warn;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private List<Source> sources; // opened on first use
    private ExecutorService pool; // made on first use

    private Substituters(List<String> configured, TrustedKeys trusted, StoreDir storeDir, Map<String, String> env,
            Duration timeout, NarinfoMisses misses, Consumer<String> warn) {
        this.configured = List.copyOf(configured);
        this.trusted = trusted;
        this.storeDir = storeDir;
        this.env = Map.copyOf(env);
        this.timeout = timeout;
        this.misses = misses;
        this.warn = warn;
    }

    /**
     * The caches at {@code urls}, opened when first asked.
     *
     * @param missFile    where "not there" answers are remembered
     * @param negativeTtl for how long
     * @param timeout     for connecting and for each read (a stalled transfer fails after it)
     * @param clock       what "now" is for the negative TTL
     * @param warn        told about caches that cannot be used (once per cache and kind of problem)
     */
    public static Substituters open(List<String> urls, TrustedKeys trusted, StoreDir storeDir, Map<String, String> env,
            Path missFile, Duration negativeTtl, Duration timeout, Clock clock, Consumer<String> warn) {
        return new Substituters(urls, trusted, storeDir, env, timeout, new NarinfoMisses(missFile, clock, negativeTtl),
                warn);
    }

    /** {@link #open(List, TrustedKeys, StoreDir, Map, Path, Duration, Duration, Clock, Consumer)}, 30 s timeout. */
    public static Substituters open(List<String> urls, TrustedKeys trusted, StoreDir storeDir, Map<String, String> env,
            Path missFile, Duration negativeTtl, Clock clock, Consumer<String> warn) {
        return open(urls, trusted, storeDir, env, missFile, negativeTtl, Duration.ofSeconds(30), clock, warn);
    }

    public boolean isEmpty() {
        return configured.isEmpty();
    }

    /** The usable caches in the order they are asked (opens them). */
    public List<String> urls() {
        return sources().stream().map(s -> s.url).toList();
    }

    /** Opens each cache and reads its nix-cache-info; those that fail are reported and skipped. */
    private synchronized List<Source> sources() {
        if (sources != null) {
            return sources;
        }
        List<Source> opened = new ArrayList<>();
        for (String raw : configured) {
            Integer explicit = null;
            String url = raw;
            Matcher m = PRIORITY.matcher(raw);
            if (m.find()) {
                explicit = Integer.parseInt(m.group(2));
                url = m.replaceFirst(m.group(3).isEmpty() ? "" : m.group(1));
            }
            CacheTransport t = null;
            try {
                t = CacheUrls.open(url, timeout, env);
                BinaryCache c = new BinaryCache(t, storeDir, true);
                int priority = explicit != null ? explicit : c.cacheInfo().priorityOrDefault();
                opened.add(new Source(url, t, c, priority));
            } catch (CrabstoreException e) {
                warn.accept("substituter " + raw + " is not usable and is skipped: " + e.getMessage());
                closeQuietly(t);
            }
        }
        opened.sort(Comparator.comparingInt(s -> s.priority)); // stable: equal priorities keep the given order
        sources = List.copyOf(opened);
        return sources;
    }

    /**
     * The build log of {@code drvPath} kept by the cache at {@code url} (one this set opened, which served an output of
     * that derivation), or empty when it keeps none or cannot be read: a log is a convenience, its absence never a
     * failure. Not signed: see {@link BinaryCache#buildLog}.
     */
    public Optional<String> buildLog(String url, StorePath drvPath) {
        for (Source s : sources()) {
            if (s.url.equals(url) && !s.givenUp) {
                try {
                    return s.cache.buildLog(drvPath);
                } catch (CrabstoreException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** Whether some cache has a trusted narinfo for {@code p} (a query only; nothing is fetched). */
    public boolean has(StorePath p) {
        return cacheOf(p).isPresent();
    }

    /**
     * The URL of the first cache, in priority order, that has a trusted narinfo for {@code p}: the one
     * {@link #substitute} would fetch it from (a query only; nothing is fetched).
     */
    public Optional<String> cacheOf(StorePath p) {
        Offer o = offer(p, 0, new ArrayList<>());
        return o == null ? Optional.empty() : Optional.of(sources().get(o.source()).url);
    }

    /**
     * Fetches {@code p} and the part of its closure that is not valid yet. First the closure is planned from the
     * narinfos (a level at a time, each level's queries in parallel), each path from the first cache in priority
     * order that has a trusted narinfo for it; then the NARs are fetched in parallel, each after its references, and
     * one that fails (corrupt, truncated, unreachable) is tried from the next cache that has it. Registers nothing
     * that does not verify; never throws for a cache's failure, but returns it.
     */
    public Result substitute(LocalStore store, StorePath p) {
        Fetch f = new Fetch(store);
        if (store.protect(p)) {
            return new Result(Optional.of(""), 0, List.of());
        }
        if (!f.plan(p)) {
            return new Result(Optional.empty(), 0, f.failures);
        }
        boolean ok;
        try {
            ok = f.fetched(p).join();
        } catch (java.util.concurrent.CompletionException e) {
            f.failures.add("fetching " + storeDir.print(p) + " failed: " + e.getCause());
            ok = false;
        }
        // valid but delivered by no cache: another thread or process built or fetched it while this one waited
        return new Result(ok ? Optional.of(f.deliveredBy.getOrDefault(p, "")) : Optional.empty(), f.bytes.get(),
                f.failures);
    }

    /**
     * For the repair of a valid path whose files are damaged or gone: restores the NAR of {@code p} at {@code out}
     * (which must not exist) from the first cache, in priority order, that has a trusted narinfo for it whose NAR hash
     * and size are the registered ones ({@code narHash}, {@code narSize}), verified while it streams as every
     * substitution is. Registers nothing; never throws for a cache's failure, but returns it.
     */
    public Result fetchContents(StorePath p, dev.crabstore.core.hash.Hash narHash, long narSize, Path out) {
        List<String> failures = new ArrayList<>();
        boolean offered = false;
        for (Source s : sources()) {
            Optional<NarInfo> info = lookup(s, p, failures);
            if (info.isEmpty()) {
                continue;
            }
            offered = true;
            if (!info.get().info().narHash().equals(narHash) || info.get().info().narSize() != narSize) {
                failures.add(s.url + ": its " + storeDir.print(p) + " has NAR hash " + info.get().info().narHash()
                        + " (" + info.get().info().narSize() + " bytes), not the registered " + narHash + " ("
                        + narSize + " bytes)");
                continue;
            }
            try {
                long bytes = s.cache.fetchInto(info.get(), out);
                s.failuresInARow.set(0);
                s.narFailuresInARow.set(0);
                return new Result(Optional.of(s.url), bytes, failures);
            } catch (CrabstoreException e) {
                failures.add(s.url + ": " + e.getMessage());
                narFailed(s, e);
                dev.crabstore.store.local.Canonicaliser.deleteTree(out);
            }
        }
        if (!offered) {
            failures.add(0, "no substituter has " + storeDir.print(p));
        }
        return new Result(Optional.empty(), 0, failures);
    }

    /** A trusted narinfo for a path, from the cache at index {@code source} of {@link #sources()}. */
    private record Offer(int source, NarInfo info) {}

    /** The first trusted narinfo for {@code p} from the caches at {@code from} and after, or null. */
    private Offer offer(StorePath p, int from, List<String> failures) {
        List<Source> all = sources();
        for (int i = from; i < all.size(); i++) {
            Optional<NarInfo> info = lookup(all.get(i), p, failures);
            if (info.isPresent()) {
                return new Offer(i, info.get());
            }
        }
        return null;
    }

    /** One {@link #substitute} call: its plan, its fetches and what went wrong. */
    private final class Fetch {
        final LocalStore store;
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong bytes = new AtomicLong();
        final Map<StorePath, Offer> plan = new HashMap<>();
        final Map<StorePath, CompletableFuture<Boolean>> fetches = new HashMap<>();
        final Map<StorePath, String> deliveredBy = new ConcurrentHashMap<>();

        Fetch(LocalStore store) {
            this.store = store;
        }

        /** Finds a cache for every path of the closure of {@code root} that is not valid; false if one has none. */
        boolean plan(StorePath root) {
            Set<StorePath> seen = new HashSet<>(Set.of(root));
            List<StorePath> level = List.of(root);
            while (!level.isEmpty()) {
                Map<StorePath, CompletableFuture<Offer>> asked = new LinkedHashMap<>();
                for (StorePath q : level) {
                    asked.put(q, CompletableFuture.supplyAsync(() -> offer(q, 0, failures), pool()));
                }
                List<StorePath> next = new ArrayList<>();
                for (Map.Entry<StorePath, CompletableFuture<Offer>> e : asked.entrySet()) {
                    Offer o = e.getValue().join();
                    if (o == null) {
                        failures.add(e.getKey().equals(root) ? "no substituter has " + storeDir.print(root)
                                : "no substituter has " + storeDir.print(e.getKey()) + ", a reference of "
                                        + storeDir.print(root));
                        return false;
                    }
                    plan.put(e.getKey(), o);
                    for (StorePath r : o.info().info().references()) {
                        if (seen.add(r) && !store.protect(r)) {
                            next.add(r);
                        }
                    }
                }
                level = next;
            }
            return true;
        }

        /** Completes with whether {@code q} is valid after fetching it (and first its references). */
        CompletableFuture<Boolean> fetched(StorePath q) {
            CompletableFuture<Boolean> known = fetches.get(q);
            if (known != null) {
                return known;
            }
            Offer o = plan.get(q);
            if (o == null) { // valid when planned
                return CompletableFuture.completedFuture(true);
            }
            List<CompletableFuture<Boolean>> refs = new ArrayList<>();
            for (StorePath r : o.info().info().references()) {
                if (!r.equals(q)) {
                    refs.add(fetched(r));
                }
            }
            CompletableFuture<Boolean> f = CompletableFuture.allOf(refs.toArray(CompletableFuture[]::new))
                    .thenApplyAsync(ignored -> refs.stream().allMatch(CompletableFuture::join) && fetchOne(q, o),
                            pool());
            fetches.put(q, f);
            return f;
        }

        /** Fetches {@code q} from the offered cache, else from the next ones that have it. */
        private boolean fetchOne(StorePath q, Offer first) {
            Offer o = first;
            while (o != null) {
                Source s = sources().get(o.source());
                try {
                    long n = s.cache.fetch(store, o.info());
                    if (n != BinaryCache.ALREADY_VALID) {
                        bytes.addAndGet(n);
                        deliveredBy.put(q, s.url);
                    }
                    s.failuresInARow.set(0);
                    s.narFailuresInARow.set(0);
                    return true;
                } catch (CrabstoreException e) {
                    failures.add(s.url + ": " + e.getMessage());
                    narFailed(s, e);
                    // said once per cache, so that a broken cache does not go unnoticed behind one that works
                    warnOnce(s.url, "nar", "substituter " + s.url + " could not deliver " + storeDir.print(q) + " ("
                            + e.getMessage() + "); it is tried from the next cache or built");
                }
                o = offer(q, o.source() + 1, failures);
            }
            return false;
        }
    }

    /** The threads that ask caches and fetch NARs for {@link #substitute} (made on first use). */
    private synchronized ExecutorService pool() {
        if (pool == null) {
            pool = Executors.newFixedThreadPool(THREADS, r -> {
                Thread t = new Thread(r, "substituter");
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    /** The trusted narinfo {@code s} has for {@code p}; why not goes to {@code failures} (and warnings). */
    private Optional<NarInfo> lookup(Source s, StorePath p, List<String> failures) {
        if (s.givenUp || misses.recentlyMissing(s.url, p.hashPart())) {
            return Optional.empty();
        }
        Optional<NarInfo> info;
        try {
            info = s.cache.narInfo(p);
            s.failuresInARow.set(0);
        } catch (CrabstoreException e) {
            failures.add(s.url + ": " + e.getMessage());
            warnOnce(s.url, "error", "substituter " + s.url + " failed (" + e.getMessage()
                    + "); what it cannot deliver is built instead");
            failed(s, e);
            return Optional.empty();
        }
        if (info.isEmpty()) {
            misses.record(s.url, p.hashPart());
            return info;
        }
        if (!info.get().isTrusted(trusted, storeDir)) {
            failures.add(s.url + ": the narinfo of " + storeDir.print(p) + " is not signed by a trusted key");
            warnOnce(s.url, "untrusted", "substituter " + s.url + " has paths not signed by a trusted key (e.g. "
                    + storeDir.print(p) + "); they are built instead");
            return Optional.empty();
        }
        return info;
    }

    /** Counts a transport failure; after a few in a row the cache is not asked again in this run. */
    private void failed(Source s, CrabstoreException e) {
        if (e instanceof TransportException && s.failuresInARow.incrementAndGet() >= FAILURES_BEFORE_GIVING_UP) {
            giveUp(s, e);
        }
    }

    /**
     * Counts a NAR the cache could not deliver, whatever went wrong: a cache that answers narinfos but whose NARs
     * break off, stall or do not verify is given up as one that does not answer (its narinfo reads, which succeed,
     * do not reset this count).
     */
    private void narFailed(Source s, CrabstoreException e) {
        failed(s, e);
        if (s.narFailuresInARow.incrementAndGet() >= FAILURES_BEFORE_GIVING_UP) {
            giveUp(s, e);
        }
    }

    private synchronized void giveUp(Source s, CrabstoreException e) {
        if (!s.givenUp) {
            s.givenUp = true;
            warnOnce(s.url, "given up", "substituter " + s.url + " failed " + FAILURES_BEFORE_GIVING_UP
                    + " times in a row (last: " + e.getMessage() + "); it is not asked again in this run");
        }
    }

    /** Says something about a cache once (per cache and kind of problem), not once per unit. */
    private void warnOnce(String url, String kind, String message) {
        if (warned.add(url + " " + kind)) {
            warn.accept(message);
        }
    }

    private static void closeQuietly(CacheTransport t) {
        if (t != null) {
            try {
                t.close();
            } catch (Exception e) {
                // nothing left to release
            }
        }
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        if (sources != null) {
            sources.forEach(s -> closeQuietly(s.transport));
        }
    }
}
