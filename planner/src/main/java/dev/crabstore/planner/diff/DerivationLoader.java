package dev.crabstore.planner.diff;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;

/** Reads a {@code .drv} by its store path (the store reads files; the comparison stays pure). */
@FunctionalInterface
public interface DerivationLoader {
    Derivation load(StorePath drvPath);
}
