package dev.crabstore.store.build;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;

/** Progress of a realisation, for the command line's output. Called from worker threads. */
public interface BuildListener {
    /** The derivation's outputs were already valid. */
    default void fresh(StorePath drvPath, Derivation drv) {}

    /**
     * The derivation's outputs were not valid when this realisation began, but another process made them valid
     * meanwhile (this one waited for its lock, or found them done): nothing was built here.
     */
    default void builtElsewhere(StorePath drvPath, Derivation drv) {
        fresh(drvPath, drv);
    }

    default void started(StorePath drvPath, Derivation drv) {}

    /** Built; {@code log} is what the builder printed. */
    default void built(StorePath drvPath, Derivation drv, String log, long millis) {}

    default void failed(StorePath drvPath, Derivation drv, String message) {}

    /**
     * What rustc reported for a unit, once it is done and before {@link #built}, {@link #failed} or {@link #fresh} (or
     * {@link #builtElsewhere}) says how it ended; for a fresh unit, what was kept when it was built here
     * ({@link DiagnosticLogs}). Only called when there is something.
     */
    default void diagnostics(StorePath drvPath, Derivation drv, Diagnostics diagnostics) {}

    BuildListener NONE = new BuildListener() {};

    /** Fetching the outputs of {@code drvPath} from a binary cache begins. */
    default void substituting(StorePath drvPath, Derivation drv) {}

    /**
     * The outputs of {@code drvPath} were fetched from the binary cache {@code from} instead of being built;
     * {@code bytes} were downloaded for them and the references they needed (compressed, as the cache stores them).
     */
    default void substituted(StorePath drvPath, Derivation drv, String from, long bytes) {}

    /** No cache could deliver the outputs of {@code drvPath} after all ({@code reason} says why); it is built. */
    default void substitutionFailed(StorePath drvPath, Derivation drv, String reason) {}

    /** The output of {@code drvPath} contains absolute paths outside the store (it is registered anyway). */
    default void pathLeaks(StorePath drvPath, Derivation drv, java.util.List<PathLeakScanner.Leak> leaks) {}

    /** Both listeners, {@code a} first. */
    static BuildListener both(BuildListener a, BuildListener b) {
        return new BuildListener() {
            @Override
            public void fresh(StorePath drvPath, Derivation drv) {
                a.fresh(drvPath, drv);
                b.fresh(drvPath, drv);
            }

            @Override
            public void builtElsewhere(StorePath drvPath, Derivation drv) {
                a.builtElsewhere(drvPath, drv);
                b.builtElsewhere(drvPath, drv);
            }

            @Override
            public void started(StorePath drvPath, Derivation drv) {
                a.started(drvPath, drv);
                b.started(drvPath, drv);
            }

            @Override
            public void built(StorePath drvPath, Derivation drv, String log, long millis) {
                a.built(drvPath, drv, log, millis);
                b.built(drvPath, drv, log, millis);
            }

            @Override
            public void failed(StorePath drvPath, Derivation drv, String message) {
                a.failed(drvPath, drv, message);
                b.failed(drvPath, drv, message);
            }

            @Override
            public void diagnostics(StorePath drvPath, Derivation drv, Diagnostics diagnostics) {
                a.diagnostics(drvPath, drv, diagnostics);
                b.diagnostics(drvPath, drv, diagnostics);
            }

            @Override
            public void substituting(StorePath drvPath, Derivation drv) {
                a.substituting(drvPath, drv);
                b.substituting(drvPath, drv);
            }

            @Override
            public void substituted(StorePath drvPath, Derivation drv, String from, long bytes) {
                a.substituted(drvPath, drv, from, bytes);
                b.substituted(drvPath, drv, from, bytes);
            }

            @Override
            public void substitutionFailed(StorePath drvPath, Derivation drv, String reason) {
                a.substitutionFailed(drvPath, drv, reason);
                b.substitutionFailed(drvPath, drv, reason);
            }

            @Override
            public void pathLeaks(StorePath drvPath, Derivation drv, java.util.List<PathLeakScanner.Leak> leaks) {
                a.pathLeaks(drvPath, drv, leaks);
                b.pathLeaks(drvPath, drv, leaks);
            }
        };
    }
}
