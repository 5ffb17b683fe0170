package dev.crabstore.cli;

import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitTarget;

/** How commands name a unit's kind: {@code lib}, {@code bin}, {@code build-script}, {@code run-build-script}, ... */
final class UnitLabels {
    private UnitLabels() {}

    static String kind(Unit u) {
        return u.isRunCustomBuild() ? "run-build-script" : u.isBuildScriptCompile() ? "build-script"
                : u.target().kindLabel() + (u.mode().equals("build") ? "" : "/" + u.mode());
    }

    /**
     * As cargo names a unit in its messages (its {@code descriptive_pkg_name}): {@code `greet` (lib)},
     * {@code `hello` (bin "hello")}, {@code `greet` (build script)}, {@code `greet` (lib test)},
     * {@code `hello` (test "cli")}.
     */
    static String cargoName(String pkg, Unit u) {
        return "`" + pkg + "` (" + described(u.target(), u.mode()) + ")";
    }

    /** {@code lib}, {@code bin "hello"}, {@code build script}; with {@code  test} for a test build of a non-test target. */
    static String described(UnitTarget t, String mode) {
        String named = t.isLib() ? "lib" : t.isCustomBuild() ? "build script" : namedKind(t) + " \"" + t.name() + "\"";
        return named + (mode.equals("test") && !isTestTarget(t) ? " test" : mode.equals("check") ? " check" : "");
    }

    /**
     * What cargo suggests to apply a unit's machine-applicable suggestions: {@code cargo fix --lib -p greet},
     * {@code cargo fix --bin "hello" -p hello} (as cargo 1.95 words it); none for a build script.
     */
    static String fixCommand(String pkg, Unit u) {
        UnitTarget t = u.target();
        if (t.isCustomBuild()) {
            return null;
        }
        String named = t.isLib() ? "lib" : namedKind(t) + " \"" + t.name() + "\"";
        return "cargo fix --" + named + " -p " + pkg + (u.mode().equals("test") && !isTestTarget(t) ? " --tests" : "");
    }

    private static String namedKind(UnitTarget t) {
        return t.isBin() ? "bin" : t.kind().contains("test") ? "test" : t.kind().contains("bench") ? "bench"
                : t.isExample() ? "example" : t.kindLabel();
    }

    private static boolean isTestTarget(UnitTarget t) {
        return t.kind().contains("test") || t.kind().contains("bench");
    }
}
