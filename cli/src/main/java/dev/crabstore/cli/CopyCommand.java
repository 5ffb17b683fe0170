package dev.crabstore.cli;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.planner.config.CrabstoreConfig;
import dev.crabstore.store.cache.BinaryCache;
import dev.crabstore.store.cache.CacheUrls;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.cache.transport.CacheTransport;
import dev.crabstore.store.config.ConfigFiles;
import dev.crabstore.store.local.LocalStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crabstore copy --to URL PATHS…} / {@code --from URL PATHS…}: closures to and from binary caches. */
@Command(name = "copy", mixinStandardHelpOptions = true,
        description = "Copy store paths and their closures to a binary cache (--to) or from one (--from). "
                + "URLs: file:///dir, http(s)://host/path, s3://bucket/prefix?endpoint=...&region=...")
public final class CopyCommand implements Runnable {
    private final CliContext context;

    @Mixin
    StoreOptions options;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Direction direction;

    static final class Direction {
        @Option(names = "--to", paramLabel = "URL", description = "Upload to this cache.")
        String to;

        @Option(names = "--from", paramLabel = "URL", description = "Download from this cache.")
        String from;
    }

    @Option(names = "--sign", paramLabel = "KEYFILE", description = "Sign uploaded narinfos with this secret key file; "
            + "may be repeated.")
    List<Path> signKeys = new ArrayList<>();

    @Option(names = "--trusted-public-keys", paramLabel = "KEYS", description = "Space-separated public keys to trust "
            + "for --from (default: the config file's trusted-public-keys, $CRABSTORE_TRUSTED_PUBLIC_KEYS).")
    String trustedKeys;

    @Option(names = "--compression", paramLabel = "C", defaultValue = "zstd",
            description = "NAR compression for uploads: zstd (default), xz, bzip2, gzip or none.")
    String compression;

    @Option(names = "--all", description = "With --to: every valid path of the local store.")
    boolean all;

    @Parameters(arity = "0..*", paramLabel = "PATH")
    List<String> paths = new ArrayList<>();

    public CopyCommand(CliContext context) {
        this.context = context;
    }

    /** How many paths the closure of {@code roots} has. */
    private static long closureSize(LocalStore store, Set<StorePath> roots) {
        Set<StorePath> seen = new java.util.HashSet<>();
        java.util.Deque<StorePath> todo = new java.util.ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            StorePath p = todo.pop();
            if (seen.add(p)) {
                store.query(p).ifPresent(i -> todo.addAll(i.references()));
            }
        }
        return seen.size();
    }

    @Override
    public void run() {
        try (LocalStore store = options.openStore(context)) {
            String url = direction.to != null ? direction.to : direction.from;
            try (CacheTransport t = CacheUrls.open(url, Duration.ofSeconds(60), context.env())) {
                BinaryCache cache = new BinaryCache(t, store.storeDir());
                Set<StorePath> wanted = new LinkedHashSet<>();
                for (String p : paths) {
                    wanted.add(store.followLinksToStorePath(p));
                }
                if (direction.to != null) {
                    if (all) {
                        wanted.addAll(store.database().allValidPaths());
                    }
                    if (wanted.isEmpty() && !all) {
                        throw new InvalidFormatException("nothing to copy: give store paths or --all");
                    }
                    List<StorePath> up = wanted.isEmpty() ? List.of() // --all of an empty store: done
                            : cache.upload(store, wanted, SecretKeyFiles.read(signKeys),
                                    Compression.parse(compression));
                    up.forEach(p -> context.out().println("copied " + store.storeDir().print(p)));
                    long closure = closureSize(store, wanted);
                    context.err().println(BuildProgress.plural(up.size(), "path") + " uploaded to " + cache.describe()
                            + (wanted.isEmpty() ? " (the store is empty)" : up.size() < closure
                                    ? " (" + (closure - up.size()) + " of the closure " + (closure - up.size() == 1
                                            ? "was" : "were") + " there already)" : ""));
                } else {
                    List<String> keys = trustedKeys != null ? CrabstoreConfig.words(trustedKeys).orElseThrow()
                            : ConfigFiles.load(context.env(), null).trustedPublicKeys();
                    TrustedKeys trusted = TrustedKeys.parse(String.join(" ", keys));
                    try {
                        cache.download(store, wanted, trusted).forEach(f -> context.out().println("copied "
                                + store.storeDir().print(f)));
                    } catch (BinaryCache.RejectedException e) {
                        if (keys.isEmpty()) { // say why nothing could be trusted
                            throw new BinaryCache.RejectedException(e.getMessage() + " (no trusted public keys are "
                                    + "configured: give --trusted-public-keys, or set trusted-public-keys)");
                        }
                        throw e;
                    }
                }
            }
        }
    }
}
