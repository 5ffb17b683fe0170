package dev.crabstore.testkit.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks that an unpacker wrote nowhere but its target. Each input gets a fresh box directory holding only the
 * target's parent, {@code box/work}; afterwards everything under the box must be {@code work}, the target or inside
 * it, and no {@link Mutator#ESCAPE_NAME} file may exist beside any ancestor of the box, of the working directory, or
 * in {@code /tmp} (where the engine's traversal and absolute names would land).
 */
public final class Confinement {
    private Confinement() {}

    /**
     * A fresh directory for an unpacker's boxes: under {@code /dev/shm} when it is there (file operations on a tmpfs
     * are ten times faster than on the CI machine's disk, so a time-bounded run tries ten times more inputs), else in
     * the default temp directory.
     */
    public static Path scratchRoot(String prefix) {
        try {
            Path shm = Path.of("/dev/shm");
            if (Files.isDirectory(shm) && Files.isWritable(shm)) {
                return Files.createTempDirectory(shm, prefix);
            }
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param box          the input's fresh directory
     * @param target       the path the unpacker was asked to create, {@code box/work/<name>}
     * @param linksAllowed whether symbolic links may appear inside the target (NARs have them, crates may not)
     */
    public static void check(Path box, Path target, boolean linksAllowed) {
        List<String> problems = new ArrayList<>();
        Path work = target.getParent();
        try (Stream<Path> s = Files.walk(box)) {
            s.forEach(p -> {
                if (p.equals(box) || p.equals(work)) {
                    return;
                }
                if (!p.startsWith(target)) {
                    problems.add("wrote outside the target: " + box.relativize(p));
                } else if (!linksAllowed && Files.isSymbolicLink(p)) {
                    problems.add("left a link in the target: " + box.relativize(p));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Path> bases = new ArrayList<>();
        for (Path p = box.toAbsolutePath(); p != null; p = p.getParent()) {
            bases.add(p);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            bases.add(p);
        }
        bases.add(Path.of("/tmp"));
        for (Path b : bases) {
            Path canary = b.resolve(Mutator.ESCAPE_NAME);
            if (Files.exists(canary, LinkOption.NOFOLLOW_LINKS)) {
                problems.add("wrote " + canary);
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("; ", problems));
        }
    }
}
