package dev.crabstore.store.build;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.local.LocalStore;
import java.nio.file.Path;
import java.util.Map;

/**
 * One derivation being built: where each output must be written (a path in a private scratch store directory, the
 * output's logical path inside the sandbox), the scratch build directory, and the store for reading inputs.
 */
public record BuildJob(StorePath drvPath, Derivation drv, Map<String, Path> outputs, Path buildDir, LocalStore store,
        StringBuilder log) {
    /** Where the files of an input store path are on this machine. */
    public Path input(StorePath p) {
        return store.realPath(p);
    }
}
