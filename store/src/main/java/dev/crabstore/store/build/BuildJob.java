package dev.crabstore.store.build;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.sandbox.ProcessOutcome;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One derivation being built: where each output must be written (a path in a private scratch store directory, the
 * output's logical path inside the sandbox), the scratch build directory (the sandbox's {@code /build}), the store
 * for reading inputs, and a way to run a process in this build's sandbox. What the builder prints goes to {@code log};
 * what rustc reports as diagnostics to {@code diagnostics} instead.
 */
public record BuildJob(StorePath drvPath, Derivation drv, Map<String, Path> outputs, Path buildDir, LocalStore store,
        StringBuilder log, List<Diagnostic> diagnostics, Sandbox sandbox) {
    /** Where the files of an input store path are on this machine. */
    public Path input(StorePath p) {
        return store.realPath(p);
    }

    /** Runs a process in the build's sandbox: the input closure, the outputs, {@code /build} and the toolchain. */
    @FunctionalInterface
    public interface Sandbox {
        ProcessOutcome run(List<String> argv, Map<String, String> env, String cwd);
    }
}
