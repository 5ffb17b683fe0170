package dev.crabstore.cli;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.cache.BinaryCache;
import dev.crabstore.store.cache.CacheUrls;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.cache.transport.CacheTransport;
import dev.crabstore.store.local.LocalStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
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

    @Option(names = "--sign", paramLabel = "KEYFILE", description = "Sign uploaded narinfos with this secret key file.")
    Path signKey;

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

    @Override
    public void run() {
        try (LocalStore store = options.openStore(context)) {
            String url = direction.to != null ? direction.to : direction.from;
            try (CacheTransport t = CacheUrls.open(url, Duration.ofSeconds(60), context.env())) {
                BinaryCache cache = new BinaryCache(t, store.storeDir());
                Set<StorePath> wanted = new LinkedHashSet<>();
                for (String p : paths) {
                    wanted.add(store.storeDir().parsePath(p));
                }
                if (direction.to != null) {
                    if (all) {
                        wanted.addAll(store.database().allValidPaths());
                    }
                    if (wanted.isEmpty()) {
                        throw new InvalidFormatException("nothing to copy: give store paths or --all");
                    }
                    List<StorePath> up = cache.upload(store, wanted, readKey(), Compression.parse(compression));
                    up.forEach(p -> context.out().println("copied " + store.storeDir().print(p)));
                    context.err().println(up.size() + " paths uploaded to " + cache.describe()
                            + " (the rest of the closure was there already)");
                } else {
                    String keys = options.trustedKeysOption != null ? options.trustedKeysOption
                            : context.env().getOrDefault("CRABSTORE_TRUSTED_PUBLIC_KEYS", "");
                    TrustedKeys trusted = TrustedKeys.parse(keys);
                    cache.download(store, wanted, trusted).forEach(f -> context.out().println("copied "
                            + store.storeDir().print(f)));
                }
            }
        }
    }

    private Optional<SecretKey> readKey() {
        if (signKey == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(SecretKey.parse(Files.readString(signKey)));
        } catch (IOException e) {
            throw new StoreIOException("cannot read the secret key file " + signKey, e);
        }
    }
}
