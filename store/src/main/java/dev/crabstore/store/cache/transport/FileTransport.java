package dev.crabstore.store.cache.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** A cache in a local directory ({@code file:///dir}); writes go to a temp file and are renamed into place. */
public final class FileTransport implements CacheTransport {
    private final Path root;

    public FileTransport(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public boolean exists(String relativePath) {
        return Files.isRegularFile(root.resolve(RelativePaths.check(relativePath)));
    }

    @Override
    public Optional<InputStream> get(String relativePath) {
        Path p = root.resolve(RelativePaths.check(relativePath));
        try {
            return Optional.of(Files.newInputStream(p));
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(root)) { // a mistyped cache is no empty cache: say so, not "not there"
                throw new TransportException("the cache directory " + root + " does not exist");
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new TransportException("cannot read " + p, e);
        }
    }

    @Override
    public void put(String relativePath, Path file, String contentType) {
        Path dest = root.resolve(RelativePaths.check(relativePath));
        Path temp = dest.resolveSibling("." + dest.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId());
        try {
            Files.createDirectories(dest.getParent());
            Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new TransportException("cannot write " + dest, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // unique name; nothing else uses it
            }
        }
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }
}
