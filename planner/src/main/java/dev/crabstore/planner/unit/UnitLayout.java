package dev.crabstore.planner.unit;

import java.util.List;

/**
 * Where things live, so one synthesis gives cargo-like paths (for the conformance oracle) or store paths (for real
 * builds). Indices are unit indices in the {@link UnitGraph}.
 */
public interface UnitLayout {
    /** Directory the rustc paths are relative to for local packages (cargo: the workspace root). */
    String workspaceRoot();

    /** Root of a package's sources (CARGO_MANIFEST_DIR). */
    String packageDir(MetadataPackage pkg);

    /** {@code --out-dir} of a compile unit. */
    String outDir(int unit);

    /** {@code -L dependency=} directories of a compile unit, in order. */
    List<String> dependencyDirs(int unit);

    /** OUT_DIR of a run-custom-build unit. */
    String buildScriptOutDir(int runUnit);

    /**
     * The executable of a build-script compile unit (what the run unit executes; cargo names it after the target,
     * {@code build-script-build} or e.g. {@code build-script-main}).
     */
    String buildScriptProgram(int compileUnit);

    /**
     * The executable a bin unit produces, as its package's integration tests and benches see it at compile time in
     * {@code CARGO_BIN_EXE_<name>} (cargo: the uplifted {@code target/<profile>/<name>}).
     */
    String binaryPath(int binUnit);

    /** {@code CARGO_TARGET_TMPDIR} of integration tests and benches: a directory they may write while they run. */
    String targetTmpDir();
}
