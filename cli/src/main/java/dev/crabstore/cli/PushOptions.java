package dev.crabstore.cli;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.planner.config.CrabstoreConfig;
import dev.crabstore.store.cache.BinaryCache;
import dev.crabstore.store.cache.CacheUrls;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.cache.transport.CacheTransport;
import dev.crabstore.store.local.LocalStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --push URL [--sign KEYFILE]…} of {@code build} and {@code test}: after the command, upload the closures of
 * what it produced to a binary cache, skipping what the cache has, each narinfo signed.
 */
public final class PushOptions {
    @Option(names = "--push", paramLabel = "URL", description = "Then upload what the command produced (the closure "
            + "of the requested artifacts; for test, also the passing test runs' reports) to this binary cache, "
            + "skipping what it has, signed with --sign.")
    String url;

    @Option(names = "--sign", paramLabel = "KEYFILE", description = "With --push: sign the narinfos with this secret "
            + "key file; may be repeated (default: the config's secret-key-files, $CRABSTORE_SECRET_KEY_FILES).")
    List<Path> signKeys;

    /** Whether {@code --push} was given. */
    boolean enabled() {
        return url != null;
    }

    /** The {@code --sign} keys, read by {@link #validate}. */
    private List<SecretKey> signing;

    /**
     * Refuses {@code --sign} without {@code --push}, and reads the {@code --sign} key files: usage errors, found before
     * anything is planned rather than after a long build.
     */
    void validate(CommandLine commandLine) {
        if (url == null && commandLine.getParseResult().hasMatchedOption("--sign")) {
            throw new CommandLine.ParameterException(commandLine, "--sign needs --push");
        }
        if (url != null && signKeys != null && !signKeys.isEmpty()) {
            try {
                signing = SecretKeyFiles.read(signKeys);
            } catch (dev.crabstore.core.CrabstoreException e) {
                throw new CommandLine.ParameterException(commandLine, "--sign: " + e.getMessage());
            }
        }
    }

    /**
     * Uploads the closures of {@code roots}, signed with the {@code --sign} keys, else the config's
     * {@code secret-key-files} (unsigned without any), and prints {@code Pushed N paths to URL}.
     */
    void push(CliContext context, LocalStore store, Set<StorePath> roots, CrabstoreConfig config) {
        List<SecretKey> keys = signing != null ? signing
                : SecretKeyFiles.read(config.secretKeyFiles().stream().map(Path::of).toList());
        try (CacheTransport t = CacheUrls.open(url, config.downloadTimeout(), context.env())) {
            List<StorePath> up = new BinaryCache(t, store.storeDir()).upload(store, roots, keys, Compression.ZSTD);
            context.err().printf(Locale.ROOT, "      Pushed %d paths to %s%s%n", up.size(), url,
                    keys.isEmpty() ? " (unsigned)" : "");
        }
    }
}
