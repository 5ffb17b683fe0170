package dev.crabstore.store.cargo;

import dev.crabstore.core.InvalidFormatException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code Cargo.toml} cargo cannot parse (bad TOML, a missing or invalid key): bad input, named by its file, with
 * cargo's explanation.
 */
public final class InvalidManifestException extends InvalidFormatException {
    /** cargo 1.95's TOML errors point at the file with a snippet: {@code  --> greet/Cargo.toml:1:9}. */
    private static final Pattern SNIPPET = Pattern.compile("(?m)^\\s*--> (.*Cargo\\.toml):\\d+:\\d+\\s*$");
    /** Its other manifest errors say {@code failed to parse manifest at `/ws/greet/Cargo.toml`}. */
    private static final Pattern PARSE = Pattern.compile("failed to parse manifest at `([^`]*)`");

    private final Path manifest;

    public InvalidManifestException(Path manifest, String problem) {
        super(manifest + ": not a valid manifest: " + problem);
        this.manifest = manifest;
    }

    public Path manifest() {
        return manifest;
    }

    /**
     * The manifest error in cargo's {@code stderr} (cargo ran in {@code dir}, against which the paths it prints are
     * relative), or null when cargo failed for another reason.
     */
    static InvalidManifestException fromCargo(String stderr, Path dir) {
        Matcher m = PARSE.matcher(stderr);
        Path file = null;
        if (m.find()) {
            file = Path.of(m.group(1));
        } else {
            Matcher s = SNIPPET.matcher(stderr);
            if (s.find()) {
                file = Path.of(s.group(1));
            }
        }
        if (file == null) {
            return null;
        }
        String problem = stderr.strip().replaceFirst("^error: ", "");
        return new InvalidManifestException(dir.resolve(file).toAbsolutePath().normalize(), problem);
    }
}
