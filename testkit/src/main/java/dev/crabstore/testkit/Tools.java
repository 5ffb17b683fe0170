package dev.crabstore.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Finds external tools a test needs; a missing tool skips the test locally but fails it in CI. */
public final class Tools {
    private Tools() {}

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    public static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    public static void require(String tool) {
        if (!onPath(tool)) {
            String why = tool + " is not on the PATH (scripts/setup.sh installs it)";
            if (inCi()) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
    }
}
