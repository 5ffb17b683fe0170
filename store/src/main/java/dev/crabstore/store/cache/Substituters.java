package dev.crabstore.store.cache;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.cache.NarInfo;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.store.cache.transport.CacheTransport;
import dev.crabstore.store.local.LocalStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The binary caches a build may fetch outputs from instead of building them, in priority order (lower first: the
 * {@code Priority} of each cache's {@code nix-cache-info}, or {@code ?priority=N} in its URL), trusting only narinfos
 * signed by the trusted keys. A cache that cannot be reached is left out with a warning; a path a cache lacks is
 * remembered for the negative TTL.
 */
public final class Substituters implements AutoCloseable {
    private static final Pattern PRIORITY = Pattern.compile("([?&])priority=(\\d+)(&|$)");

    private record Source(String url, CacheTransport transport, BinaryCache cache, int priority) {}

    /** What substituting one path did: where it came from and how many NAR bytes, or why every cache failed. */
    public record Result(Optional<String> from, long narBytes, List<String> failures) {
        public boolean substituted() {
            return from.isPresent();
        }
    }

    private final List<Source> sources;
    private final TrustedKeys trusted;
    private final NarinfoMisses misses;
    private final StoreDir storeDir;
    private final Consumer<String> warn;
    private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Substituters(List<Source> sources, TrustedKeys trusted, NarinfoMisses misses, StoreDir storeDir,
            Consumer<String> warn) {
        this.sources = sources;
        this.trusted = trusted;
        this.misses = misses;
        this.storeDir = storeDir;
        this.warn = warn;
    }

    /** Says something about a cache once (per cache and kind of problem), not once per unit. */
    private void warnOnce(String url, String kind, String message) {
        if (warned.add(url + " " + kind)) {
            warn.accept(message);
        }
    }

    /** Opens each cache and reads its nix-cache-info; those that fail are reported to {@code warn} and skipped. */
    public static Substituters open(List<String> urls, TrustedKeys trusted, StoreDir storeDir, Map<String, String> env,
            Path missFile, Duration negativeTtl, Clock clock, Consumer<String> warn) {
        List<Source> sources = new ArrayList<>();
        for (String raw : urls) {
            Integer explicit = null;
            String url = raw;
            Matcher m = PRIORITY.matcher(raw);
            if (m.find()) {
                explicit = Integer.parseInt(m.group(2));
                url = m.replaceFirst(m.group(3).isEmpty() ? "" : m.group(1));
            }
            CacheTransport t = null;
            try {
                t = CacheUrls.open(url, Duration.ofSeconds(30), env);
                BinaryCache c = new BinaryCache(t, storeDir);
                int priority = explicit != null ? explicit : c.cacheInfo().priorityOrDefault();
                sources.add(new Source(url, t, c, priority));
            } catch (CrabstoreException e) {
                warn.accept("substituter " + raw + " is not usable and is skipped: " + e.getMessage());
                if (t != null) {
                    try {
                        t.close();
                    } catch (Exception ignored) {
                        // nothing to release
                    }
                }
            }
        }
        sources.sort(Comparator.comparingInt(Source::priority)); // stable: equal priorities keep the given order
        return new Substituters(List.copyOf(sources), trusted, new NarinfoMisses(missFile, clock, negativeTtl),
                storeDir, warn);
    }

    public boolean isEmpty() {
        return sources.isEmpty();
    }

    /** The caches in the order they are asked. */
    public List<String> urls() {
        return sources.stream().map(Source::url).toList();
    }

    /** Whether some cache has a trusted narinfo for {@code p} (a query only; nothing is fetched). */
    public boolean has(StorePath p) {
        for (Source s : sources) {
            if (misses.recentlyMissing(s.url(), p.hashPart())) {
                continue;
            }
            try {
                Optional<NarInfo> info = s.cache().narInfo(p);
                if (info.isEmpty()) {
                    misses.record(s.url(), p.hashPart());
                } else if (info.get().isTrusted(trusted, storeDir)) {
                    return true;
                } else {
                    warnOnce(s.url(), "untrusted", "substituter " + s.url() + " has paths not signed by a trusted "
                            + "key (e.g. " + storeDir.print(p) + "); they are built instead");
                }
            } catch (CrabstoreException e) {
                // Unreachable or broken: another cache may have it, else it is built.
                warnOnce(s.url(), "error", "substituter " + s.url() + " failed (" + e.getMessage()
                        + "); what it cannot deliver is built instead");
            }
        }
        return false;
    }

    /** Fetches {@code p} (and its references) from the first cache that can deliver it, verified. */
    public Result substitute(LocalStore store, StorePath p) {
        List<String> failures = new ArrayList<>();
        for (Source s : sources) {
            if (misses.recentlyMissing(s.url(), p.hashPart())) {
                continue;
            }
            try {
                if (s.cache().narInfo(p).isEmpty()) {
                    misses.record(s.url(), p.hashPart());
                    continue;
                }
                List<StorePath> fetched = s.cache().download(store, p, trusted);
                long bytes = 0;
                for (StorePath f : fetched) {
                    bytes += store.query(f).map(i -> i.narSize()).orElse(0L);
                }
                return new Result(Optional.of(s.url()), bytes, failures);
            } catch (CrabstoreException e) {
                failures.add(s.url() + ": " + e.getMessage());
            }
        }
        return new Result(Optional.empty(), 0, failures);
    }

    @Override
    public void close() {
        for (Source s : sources) {
            try {
                s.transport().close();
            } catch (Exception e) {
                // closing a cache connection cannot fail the build
            }
        }
    }
}
