package dev.crabstore.planner.unit;

import java.util.Objects;

/**
 * A unit's resolved profile as cargo prints it. {@code debuginfo} is kept as cargo's text (0/1/2 or a name);
 * {@code strip} is the resolved value ({@code none}, {@code debuginfo}, {@code symbols}) after cargo's deferral.
 */
public record UnitProfile(String name, String optLevel, String lto, Integer codegenUnits, String debuginfo,
        String splitDebuginfo, boolean debugAssertions, boolean overflowChecks, boolean rpath, boolean incremental,
        String panic, String strip) {
    public UnitProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(optLevel, "optLevel");
        Objects.requireNonNull(lto, "lto");
        Objects.requireNonNull(debuginfo, "debuginfo");
        Objects.requireNonNull(panic, "panic");
        Objects.requireNonNull(strip, "strip");
    }

    /**
     * What the profile makes rustc do, without its name: as cargo's hash of a profile leaves the name out, the units
     * of {@code cargo test} (profile {@code test}, inheriting {@code dev}) are the units of {@code cargo build}.
     */
    public String settings() {
        return String.join(",", optLevel, lto, String.valueOf(codegenUnits), debuginfo, String.valueOf(splitDebuginfo),
                Boolean.toString(debugAssertions), Boolean.toString(overflowChecks), Boolean.toString(rpath),
                Boolean.toString(incremental), panic, strip);
    }

    /** Debuginfo level in rustc's spelling, or null when none. */
    public String rustcDebuginfo() {
        return switch (debuginfo) {
            case "0", "none" -> null;
            case "1", "limited" -> "1";
            case "2", "full" -> "2";
            default -> debuginfo;
        };
    }
}
