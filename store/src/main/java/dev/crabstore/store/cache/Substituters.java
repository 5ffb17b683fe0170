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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final Pattern PRIORITY = Pattern.compile("([?&])priority=(\\d+)(&|$)");

    /** One cache: its transport, and how it has been doing in this run. */
    private static final class Source {
        final String url;
        final CacheTransport transport;
        final BinaryCache cache;
        final int priority;
        final AtomicInteger failuresInARow = new AtomicInteger();
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
     * @param from     the cache the path itself came from, or empty when no cache could deliver it
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

    /** Whether some cache has a trusted narinfo for {@code p} (a query only; nothing is fetched). */
    public boolean has(StorePath p) {
        for (Source s : sources()) {
            if (lookup(s, p, new ArrayList<>()).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Fetches {@code p} from the first cache (in priority order) that has a trusted narinfo for it and delivers a NAR
     * that checks out, after its references (each from whichever cache can deliver it). Registers nothing that does
     * not verify; never throws for a cache's failure, but returns it.
     */
    public Result substitute(LocalStore store, StorePath p) {
        Fetch f = new Fetch();
        Optional<String> from = fetch(store, p, f, new ArrayDeque<>());
        return new Result(from, f.bytes, f.failures);
    }

    /** What one {@link #substitute} call has done so far. */
    private static final class Fetch {
        final List<String> failures = new ArrayList<>();
        long bytes;
    }

    /** The cache {@code p} came from ("" if it was valid already), or empty. */
    private Optional<String> fetch(LocalStore store, StorePath p, Fetch f, Deque<StorePath> stack) {
        if (store.protect(p)) {
            return Optional.of("");
        }
        if (stack.contains(p)) {
            f.failures.add("the references of " + storeDir.print(p) + " form a cycle");
            return Optional.empty();
        }
        for (Source s : sources()) {
            Optional<NarInfo> info = lookup(s, p, f.failures);
            if (info.isEmpty()) {
                continue;
            }
            stack.push(p);
            try {
                for (StorePath r : info.get().info().references()) {
                    if (!r.equals(p) && fetch(store, r, f, stack).isEmpty()) {
                        // Another cache's narinfo names the same references: no point asking it.
                        f.failures.add("reference " + storeDir.print(r) + " of " + storeDir.print(p)
                                + " cannot be substituted");
                        return Optional.empty();
                    }
                }
            } finally {
                stack.pop();
            }
            try {
                f.bytes += s.cache.fetch(store, info.get());
                s.failuresInARow.set(0);
                return Optional.of(s.url);
            } catch (CrabstoreException e) {
                f.failures.add(s.url + ": " + e.getMessage());
                failed(s, e);
            }
        }
        if (f.failures.isEmpty()) {
            f.failures.add("no substituter has " + storeDir.print(p));
        }
        return Optional.empty();
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
        if (e instanceof TransportException && s.failuresInARow.incrementAndGet() >= FAILURES_BEFORE_GIVING_UP
                && !s.givenUp) {
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
        if (sources != null) {
            sources.forEach(s -> closeQuietly(s.transport));
        }
    }
}
