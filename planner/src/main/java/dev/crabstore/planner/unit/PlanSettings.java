package dev.crabstore.planner.unit;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Toolchain and configuration inputs of the synthesis (until cargo config/toolchain probing are wired in).
 *
 * @param cargo          value of CARGO
 * @param rustc          the rustc program (and RUSTC for build scripts)
 * @param rustdoc        RUSTDOC for build scripts
 * @param hostTriple     HOST
 * @param explicitTarget whether {@code --target} was given (then RUSTFLAGS apply to target units only)
 * @param rustflags      RUSTFLAGS for target units (all units without {@code --target})
 * @param hostRustflags  RUSTFLAGS for host units when {@code --target} was given
 * @param linker         {@code -C linker} for target units, or null
 * @param numJobs        NUM_JOBS for build scripts
 * @param targetCfg      {@code rustc --print=cfg} lines for the target (for CARGO_CFG_*), in rustc's order
 * @param primaryPackages package ids selected on the command line (CARGO_PRIMARY_PACKAGE)
 * @param extraEnv       the config {@code [env]} table
 * @param withoutHarness test targets whose manifest says {@code harness = false} ({@link #targetKey}): compiled
 *                       with {@code --cfg test} instead of {@code --test}, their own {@code main} is the test
 * @param lintFlags      per package id, the rustc flags of its manifest's {@code [lints]} ({@link ManifestLints})
 * @param hostCpu        what {@code -C target-cpu=native} means on this machine (its CPU and target features), or
 *                       null: an input of every unit whose flags say {@code native}, so that a unit built for one CPU
 *                       never stands in for another's
 * @param releaseProfiles custom profiles that inherit, at the root, from {@code release} (build scripts see
 *                       {@code PROFILE=release} under them, as under release and bench)
 * @param workspaceFiles files of the workspace that members' units see ({@link WorkspaceFiles}), or null
 * @param linkerSource   the store path of a {@code linker} that lies in the workspace (a script of the project), or
 *                       null: an input of every unit, shown at the linker's place ({@code /build/ws/…})
 */
public record PlanSettings(String cargo, String rustc, String rustdoc, String hostTriple, boolean explicitTarget,
        List<String> rustflags, List<String> hostRustflags, String linker, int numJobs, List<String> targetCfg,
        Set<String> primaryPackages, Map<String, String> extraEnv, Set<String> withoutHarness,
        Map<String, List<String>> lintFlags, String hostCpu, Set<String> releaseProfiles,
        WorkspaceFiles workspaceFiles, String linkerSource) {
    /** Every test target with libtest's harness (cargo's default), no {@code [lints]}. */
    public PlanSettings(String cargo, String rustc, String rustdoc, String hostTriple, boolean explicitTarget,
            List<String> rustflags, List<String> hostRustflags, String linker, int numJobs, List<String> targetCfg,
            Set<String> primaryPackages, Map<String, String> extraEnv) {
        this(cargo, rustc, rustdoc, hostTriple, explicitTarget, rustflags, hostRustflags, linker, numJobs, targetCfg,
                primaryPackages, extraEnv, Set.of(), Map.of(), null, Set.of(), null, null);
    }

    /** These settings with {@code withoutHarness} replaced. */
    public PlanSettings withoutHarness(Set<String> targets) {
        return new PlanSettings(cargo, rustc, rustdoc, hostTriple, explicitTarget, rustflags, hostRustflags, linker,
                numJobs, targetCfg, primaryPackages, extraEnv, targets, lintFlags, hostCpu, releaseProfiles, workspaceFiles, linkerSource);
    }

    /** These settings with the {@link ManifestLints} flags of each package (by package id) replaced. */
    public PlanSettings withLintFlags(Map<String, List<String>> flags) {
        return new PlanSettings(cargo, rustc, rustdoc, hostTriple, explicitTarget, rustflags, hostRustflags, linker,
                numJobs, targetCfg, primaryPackages, extraEnv, withoutHarness, flags, hostCpu, releaseProfiles, workspaceFiles, linkerSource);
    }

    /** These settings with {@code hostCpu} replaced. */
    public PlanSettings withHostCpu(String cpu) {
        return new PlanSettings(cargo, rustc, rustdoc, hostTriple, explicitTarget, rustflags, hostRustflags, linker,
                numJobs, targetCfg, primaryPackages, extraEnv, withoutHarness, lintFlags, cpu, releaseProfiles, workspaceFiles, linkerSource);
    }

    /** These settings with {@code releaseProfiles} replaced. */
    public PlanSettings withReleaseProfiles(Set<String> profiles) {
        return new PlanSettings(cargo, rustc, rustdoc, hostTriple, explicitTarget, rustflags, hostRustflags, linker,
                numJobs, targetCfg, primaryPackages, extraEnv, withoutHarness, lintFlags, hostCpu, profiles, workspaceFiles, linkerSource);
    }

    /** These settings with {@code workspaceFiles} replaced. */
    public PlanSettings withWorkspaceFiles(WorkspaceFiles files) {
        return new PlanSettings(cargo, rustc, rustdoc, hostTriple, explicitTarget, rustflags, hostRustflags, linker,
                numJobs, targetCfg, primaryPackages, extraEnv, withoutHarness, lintFlags, hostCpu, releaseProfiles,
                files, linkerSource);
    }

    /** These settings with {@code linkerSource} replaced. */
    public PlanSettings withLinkerSource(String storePath) {
        return new PlanSettings(cargo, rustc, rustdoc, hostTriple, explicitTarget, rustflags, hostRustflags, linker,
                numJobs, targetCfg, primaryPackages, extraEnv, withoutHarness, lintFlags, hostCpu, releaseProfiles,
                workspaceFiles, storePath);
    }

    /** How {@code withoutHarness} names a target: {@code <package id> <kind> <name>}, kind as the manifest's table. */
    public static String targetKey(String pkgId, String kind, String name) {
        return pkgId + " " + kind + " " + name;
    }

    public PlanSettings {
        Objects.requireNonNull(cargo, "cargo");
        Objects.requireNonNull(rustc, "rustc");
        Objects.requireNonNull(rustdoc, "rustdoc");
        Objects.requireNonNull(hostTriple, "hostTriple");
        rustflags = List.copyOf(rustflags);
        hostRustflags = List.copyOf(hostRustflags);
        targetCfg = List.copyOf(targetCfg);
        primaryPackages = Set.copyOf(primaryPackages);
        extraEnv = Map.copyOf(extraEnv);
        withoutHarness = Set.copyOf(withoutHarness);
        lintFlags = Map.copyOf(lintFlags);
        releaseProfiles = Set.copyOf(releaseProfiles);
        if (numJobs < 1) {
            throw new IllegalArgumentException("numJobs must be positive");
        }
    }
}
