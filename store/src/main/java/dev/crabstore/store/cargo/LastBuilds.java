package dev.crabstore.store.cargo;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.StoreHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code crabstore build} last built for a workspace and selection, for {@code why-rebuild}: the unit
 * derivations and the root ones, in {@code var/last-builds/<key>/build}. The root derivations are GC roots
 * ({@code var/last-builds/<key>/roots/<n>}), which keeps every unit's {@code .drv} and every path package's source
 * tree (their references) for the comparison, until the next build of the same selection replaces them.
 */
public final class LastBuilds {
    private static final String HEADER = "crabstore-last-build-v1";

    /** One recorded build. */
    public record Record(Path file, String workspace, List<String> selection, Instant time, List<StorePath> roots,
            List<StorePath> units) {
        public Record {
            selection = List.copyOf(selection);
            roots = List.copyOf(roots);
            units = List.copyOf(units);
        }
    }

    private final StoreHome home;

    public LastBuilds(StoreHome home) {
        this.home = home;
    }

    /** The record's name: the workspace's absolute path and the selection, without --offline/--locked/--frozen. */
    public static String key(Path workspace, CargoSelection selection) {
        return WorkspaceRecords.key(WorkspaceRecords.keyText(HEADER, workspace, selection));
    }

    public Path dir(Path workspace, CargoSelection selection) {
        return home.root().resolve("var/last-builds").resolve(key(workspace, selection));
    }

    /** Records a successful build (replacing the last one of this workspace and selection). */
    public void record(Path workspace, CargoSelection selection, List<StorePath> roots, List<StorePath> units,
            Instant time) {
        StringBuilder sb = WorkspaceRecords.start(HEADER, workspace, selection).append("time\t").append(time).append('\n');
        roots.forEach(r -> sb.append("root\t").append(r.baseName()).append('\n'));
        units.forEach(u -> sb.append("unit\t").append(u.baseName()).append('\n'));
        WorkspaceRecords.write(home, dir(workspace, selection), "build", sb.toString(), roots);
    }

    /** The last build of this workspace and selection, if any. */
    public Optional<Record> read(Path workspace, CargoSelection selection) {
        Path file = dir(workspace, selection).resolve("build");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreIOException("cannot read " + file, e);
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new InvalidFormatException(file + ": not a crabstore last-build record (first line must be "
                    + HEADER + ")");
        }
        String ws = null;
        List<String> flags = List.of();
        Instant time = null;
        List<StorePath> roots = new ArrayList<>();
        List<StorePath> units = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t", -1);
            try {
                switch (f[0]) {
                    case "workspace" -> ws = f[1];
                    case "selection" -> flags = List.of(f).subList(1, f.length);
                    case "time" -> time = Instant.parse(f[1]);
                    case "root" -> roots.add(StorePath.parseBaseName(f[1]));
                    case "unit" -> units.add(StorePath.parseBaseName(f[1]));
                    default -> throw new InvalidFormatException("unknown field '" + f[0] + "'");
                }
            } catch (ArrayIndexOutOfBoundsException | DateTimeParseException | InvalidFormatException e) {
                throw new InvalidFormatException(file + ": line " + (i + 1) + " is malformed: " + e.getMessage());
            }
        }
        if (ws == null || time == null) {
            throw new InvalidFormatException(file + ": no workspace or time line");
        }
        return Optional.of(new Record(file, ws, flags, time, roots, units));
    }

    /**
     * Deletes the records (and so the GC roots) of last builds whose workspace directory no longer exists: a deleted
     * checkout keeps nothing alive, as its {@code target/} links do not. Records that cannot be read are left alone.
     * Returns how many were deleted.
     */
    public int forgetDeletedWorkspaces() {
        return WorkspaceRecords.forgetDeletedWorkspaces(home.root().resolve("var/last-builds"), "build");
    }

    /** The records {@link #forgetDeletedWorkspaces} would delete (for {@code gc --dry-run}, which deletes none). */
    public List<Path> ofDeletedWorkspaces() {
        return WorkspaceRecords.ofDeletedWorkspaces(home.root().resolve("var/last-builds"), "build");
    }
}
