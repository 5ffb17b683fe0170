package dev.crabstore.store.build;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;

/** Progress of a realisation, for the command line's output. Called from worker threads. */
public interface BuildListener {
    /** The derivation's outputs were already valid. */
    default void fresh(StorePath drvPath, Derivation drv) {}

    default void started(StorePath drvPath, Derivation drv) {}

    /** Built; {@code log} is what the builder printed. */
    default void built(StorePath drvPath, Derivation drv, String log, long millis) {}

    default void failed(StorePath drvPath, Derivation drv, String message) {}

    BuildListener NONE = new BuildListener() {};
}
