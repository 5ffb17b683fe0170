package dev.crabstore.store.local;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * GC roots, as Nix keeps them: a root is a link somewhere (a {@code target/debug/foo} link, a result link) that points
 * into the store; the store remembers it with a link in {@code var/gcroots/auto/} named by a hash of the root's own
 * location. A root whose link was deleted, or now points elsewhere, no longer protects anything.
 */
public final class GcRoots {
    private final StoreHome home;
    private final List<Path> ignored;

    public GcRoots(StoreHome home) {
        this(home, List.of());
    }

    private GcRoots(StoreHome home, List<Path> ignored) {
        this.home = home;
        this.ignored = List.copyOf(ignored);
    }

    /**
     * These roots without those whose link is inside one of {@code dirs} (left as they are): what a dry run of
     * {@code gc} counts when the real one would first delete those directories (records of deleted checkouts).
     */
    public GcRoots ignoring(List<Path> dirs) {
        return new GcRoots(home, dirs.stream().map(d -> d.toAbsolutePath().normalize()).toList());
    }

    private Path autoDir() {
        return home.gcRootsDir().resolve("auto");
    }

    /**
     * Makes {@code link} a symlink to {@code path}'s real location (replacing an older link, atomically) and records
     * it as a root.
     */
    public void addRoot(Path link, StorePath path) {
        addRoot(link, path, "");
    }

    /** As {@link #addRoot(Path, StorePath)}, with the link pointing at {@code subPath} inside the store path. */
    public void addRoot(Path link, StorePath path, String subPath) {
        Path abs = link.toAbsolutePath().normalize();
        try {
            Files.createDirectories(abs.getParent());
            Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            Path target = home.realStoreDir().resolve(path.baseName());
            Files.createSymbolicLink(tmp, subPath.isEmpty() ? target : target.resolve(subPath));
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.createDirectories(autoDir());
            Path record = autoDir().resolve(dev.crabstore.core.hash.Hash.sha256(abs.toString()).toNix32()
                    .substring(0, 32));
            Path rtmp = record.resolveSibling("." + record.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Files.deleteIfExists(rtmp);
            Files.createSymbolicLink(rtmp, abs);
            Files.move(rtmp, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StoreIOException("cannot create GC root " + abs, e);
        }
    }

    /** Every live root: its location and the store path it protects. Stale records are removed. */
    public Map<Path, StorePath> roots() {
        Map<Path, StorePath> out = new TreeMap<>();
        if (!Files.isDirectory(autoDir())) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(autoDir())) {
            for (Path record : ds) {
                if (record.getFileName().toString().startsWith(".")) {
                    continue;
                }
                Path link = Files.readSymbolicLink(record);
                if (ignored.stream().anyMatch(link::startsWith)) {
                    continue;
                }
                Optional<StorePath> target = target(link);
                if (target.isPresent()) {
                    out.put(link, target.get());
                } else {
                    Files.deleteIfExists(record);
                }
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot read GC roots in " + autoDir(), e);
        }
        return out;
    }

    /** The store path a root link points to, if it still points into this store. */
    private Optional<StorePath> target(Path link) throws IOException {
        try {
            if (!Files.isSymbolicLink(link)) {
                return Optional.empty();
            }
            Path t = Files.readSymbolicLink(link);
            Path real = home.realStoreDir();
            if (!t.isAbsolute() || !t.startsWith(real) || t.getNameCount() <= real.getNameCount()) {
                return Optional.empty();
            }
            return Optional.of(StorePath.parseBaseName(t.getName(real.getNameCount()).toString()));
        } catch (NoSuchFileException | InvalidFormatException e) {
            return Optional.empty();
        }
    }
}
