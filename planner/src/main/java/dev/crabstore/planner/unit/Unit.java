package dev.crabstore.planner.unit;

import java.util.List;
import java.util.Objects;

/** One compilation unit of cargo's unit graph. {@code platform} is null for the host. */
public record Unit(String pkgId, UnitTarget target, UnitProfile profile, String platform, String mode,
        List<String> features, boolean isStd, List<UnitDependency> dependencies) {
    public Unit {
        Objects.requireNonNull(pkgId, "pkgId");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(mode, "mode");
        features = List.copyOf(features);
        dependencies = List.copyOf(dependencies);
    }

    public boolean isRunCustomBuild() {
        return mode.equals("run-custom-build");
    }

    /** Compiling a build script (host bin), as opposed to running it. */
    public boolean isBuildScriptCompile() {
        return target.isCustomBuild() && !isRunCustomBuild();
    }

    public PackageId packageId() {
        return PackageId.parse(pkgId);
    }
}
