package dev.crabstore.store.cargo;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.GcRoots;
import dev.crabstore.store.local.StoreHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The on-disk shape shared by {@link LastBuilds} and {@link LastTestRuns}: one directory per workspace and key under
 * {@code var/<kind>/}, holding a text record (whose {@code workspace\t<path>} line names the checkout) and GC roots
 * {@code roots/<n>}. A record replaces its roots before its text; gc drops a record, roots first, once its workspace
 * directory is gone, so a deleted checkout keeps nothing alive, as its {@code target/} links do not.
 */
final class WorkspaceRecords {
    /** Flags that change how cargo may fetch, not what is built or run. */
    static final List<String> NOT_IN_KEY = List.of("--offline", "--locked", "--frozen");

    private WorkspaceRecords() {}

    /** The record's directory name: {@code header}, the workspace's absolute path, the flags (minus NOT_IN_KEY). */
    static StringBuilder keyText(String header, Path workspace, CargoSelection selection) {
        StringBuilder sb = new StringBuilder(header).append('\n').append(workspace.toAbsolutePath().normalize())
                .append('\n');
        selection.flags().stream().filter(f -> !NOT_IN_KEY.contains(f)).forEach(f -> sb.append(f).append('\u0000'));
        return sb;
    }

    static String key(CharSequence text) {
        return Hash.sha256(text.toString()).toNix32().substring(0, 32);
    }

    /** Makes {@code roots} the record's GC roots (dropping the old ones), then writes {@code text} atomically. */
    static void write(StoreHome home, Path dir, String fileName, String text, List<StorePath> roots) {
        try {
            Files.createDirectories(dir);
            Path links = dir.resolve("roots");
            if (Files.isDirectory(links)) {
                try (Stream<Path> s = Files.list(links)) {
                    for (Path l : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(l);
                    }
                }
            }
            GcRoots gc = new GcRoots(home);
            for (int i = 0; i < roots.size(); i++) {
                gc.addRoot(links.resolve(Integer.toString(i)), roots.get(i));
            }
            Path tmp = dir.resolve("." + fileName + ".tmp-" + ProcessHandle.current().pid());
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(fileName), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StoreIOException("cannot write the record " + dir.resolve(fileName), e);
        }
    }

    /**
     * Deletes the records under {@code all} whose workspace directory no longer exists; records that cannot be read
     * are left alone. Returns how many were deleted.
     */
    static int forgetDeletedWorkspaces(Path all, String fileName) {
        List<Path> dirs = ofDeletedWorkspaces(all, fileName);
        try {
            for (Path dir : dirs) {
                deleteRecord(dir);
            }
        } catch (IOException e) {
            throw new StoreIOException("cannot delete a record under " + all, e);
        }
        return dirs.size();
    }

    /** The record directories under {@code all} whose workspace directory no longer exists (readable records only). */
    static List<Path> ofDeletedWorkspaces(Path all, String fileName) {
        if (!Files.isDirectory(all)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(all)) {
            return dirs.filter(dir -> workspaceOf(dir.resolve(fileName)).filter(ws -> Files.notExists(Path.of(ws)))
                    .isPresent()).toList();
        } catch (IOException e) {
            throw new StoreIOException("cannot list " + all, e);
        }
    }

    private static Optional<String> workspaceOf(Path file) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.startsWith("workspace\t")).findFirst()
                    .map(l -> l.substring("workspace\t".length()));
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** The root links first (a reverse walk lists them before their directory), so that no root outlives its record. */
    private static void deleteRecord(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A record's first lines: its header, the workspace and the selection flags (tab-separated), then a newline. */
    static StringBuilder start(String header, Path workspace, CargoSelection selection) {
        StringBuilder sb = new StringBuilder(header).append('\n');
        sb.append("workspace\t").append(workspace.toAbsolutePath().normalize()).append('\n');
        sb.append("selection");
        selection.flags().forEach(f -> sb.append('\t').append(f));
        return sb.append('\n');
    }
}
