package dev.crabstore.store.cache.transport;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Moves files of a binary cache by their path relative to the cache root ({@code nix-cache-info},
 * {@code <hash>.narinfo}, {@code nar/<hash>.nar.zst}). Three verbs, like Maven Resolver's transporter; "not there"
 * is an empty result, never an exception, so callers can tell a miss from a failure ({@link TransportException}).
 * Implementations are thread-safe.
 */
public interface CacheTransport extends AutoCloseable {
    /** Whether the file exists. */
    boolean exists(String relativePath);

    /** The file's bytes as a stream, or empty when the cache has no such file. */
    Optional<InputStream> get(String relativePath);

    /** Writes a file atomically: readers see the old state or the whole new file. */
    void put(String relativePath, Path file, String contentType);

    /** The URL this transport talks to, for messages. */
    String describe();

    @Override
    default void close() {}
}
