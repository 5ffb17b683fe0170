package dev.crabstore.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Locates the repository, ../shared and the offline crate corpus built by scripts/setup.sh. */
public final class Corpus {
    private Corpus() {}

    /** The repository root: the nearest ancestor of the working directory holding the {@code crabstore} launcher. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isRegularFile(p.resolve("crabstore")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("not inside the crabstore repository: " + Path.of("").toAbsolutePath());
    }

    public static Path shared() {
        String env = System.getenv("CRABSTORE_SHARED");
        return env != null ? Path.of(env) : repoRoot().resolveSibling("shared");
    }

    /** The registry tree made by make-registry.py. */
    public static Path corpusDir() {
        String env = System.getenv("CRABSTORE_CORPUS");
        return Path.of(env != null ? env : "/var/tmp/crabstore-corpus");
    }

    /** A corpus workspace ({@code small}, {@code medium}, {@code large}, {@code gitdep}); skipped locally when absent. */
    public static Path workspace(String name) {
        Path ws = shared().resolve("corpus/workspaces").resolve(name);
        boolean ok = Files.isDirectory(ws) && Files.isRegularFile(corpusDir().resolve("registry/index/config.json"));
        if (!ok) {
            String why = "corpus workspace " + ws + " or registry " + corpusDir() + " missing (run scripts/setup.sh)";
            if (Tools.inCi()) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        return ws;
    }

    /** Copies a workspace (a corpus one, or an example) to {@code to}, leaving out its {@code target/} dir. */
    public static void copyWorkspace(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path rel = from.relativize(p);
                if (rel.getNameCount() > 0 && rel.getName(0).toString().equals("target")) {
                    continue;
                }
                Path dst = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(p, dst);
                }
            }
        }
    }
}
