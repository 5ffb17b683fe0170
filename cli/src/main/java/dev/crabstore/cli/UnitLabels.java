package dev.crabstore.cli;

import dev.crabstore.planner.unit.Unit;

/** How commands name a unit's kind: {@code lib}, {@code bin}, {@code build-script}, {@code run-build-script}, ... */
final class UnitLabels {
    private UnitLabels() {}

    static String kind(Unit u) {
        return u.isRunCustomBuild() ? "run-build-script" : u.isBuildScriptCompile() ? "build-script"
                : u.target().kindLabel() + (u.mode().equals("build") ? "" : "/" + u.mode());
    }
}
