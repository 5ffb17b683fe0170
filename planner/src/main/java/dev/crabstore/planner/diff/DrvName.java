package dev.crabstore.planner.diff;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A derivation's name as the planner makes them, {@code <package>-<version>[<suffix>]}: {@code itoa-1.0.9},
 * {@code serde-1.0.147-build-script-run}, {@code hex-0.4.3.crate}, {@code hex-0.4.3-source}. The package and the
 * suffix without the version tell "the same unit, another version" when a locked version changes.
 */
public record DrvName(String pkg, String version, String suffix) {
    // A package name has no dots, so the first "-N.N.N" that ends the name or is followed by "-" or ".crate" is it.
    private static final Pattern NAME = Pattern.compile(
            "(.+?)-(\\d+\\.\\d+\\.\\d+(?:-(?:alpha|beta|rc|pre|dev)[0-9A-Za-z.]*)?(?:\\+[0-9A-Za-z.]+)?)"
                    + "(-.*|\\.crate)?");

    /** A git checkout's source, {@code <repository>-<commit's first 12 hex digits>-source}: the commit is its version. */
    private static final Pattern GIT_SOURCE = Pattern.compile("(.+?)-([0-9a-f]{12})(-source)");

    /** The name of a store path of a {@code .drv} or of anything else ({@code .drv} dropped). */
    public static Optional<DrvName> parse(String name) {
        String n = name.endsWith(".drv") ? name.substring(0, name.length() - 4) : name;
        Matcher m = NAME.matcher(n);
        if (!m.matches()) {
            m = GIT_SOURCE.matcher(n);
            if (!m.matches()) {
                return Optional.empty();
            }
        }
        return Optional.of(new DrvName(m.group(1), m.group(2), m.group(3) == null ? "" : m.group(3)));
    }

    /** The same package and kind of unit, whatever the version. */
    public String versionlessKey() {
        return pkg + "\u0000" + suffix;
    }
}
