package dev.crabstore.store.cargo;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a command works, found as cargo 1.95 finds it: the manifest ({@code --manifest-path}, else the nearest
 * {@code Cargo.toml} in the directory or a parent) and the root of its workspace (the manifest itself when it has a
 * {@code [workspace]} table, else what {@code cargo locate-project --workspace} answers). Everything that keys on the
 * workspace (the plan cache, the no-op fingerprint, last builds, {@code target/}) uses {@link #root()}; cargo runs in
 * the root and selects as it would in the manifest's directory, by {@link #manifestPathFlag()}.
 *
 * @param root the workspace root directory
 * @param manifest the manifest the command was pointed at: the root's, or a member's (which selects that member)
 */
public record WorkspaceLocation(Path root, Path manifest) {
    private static final Pattern WORKSPACE_TABLE = Pattern.compile("(?m)^[ \\t]*\\[[ \\t]*workspace[ \\t]*[\\].]");

    /** The root's own manifest. */
    public Path rootManifest() {
        return root.resolve("Cargo.toml");
    }

    /**
     * The {@code --manifest-path} cargo needs when it runs in the root to select what it selects in the manifest's
     * directory: none for the root's own manifest.
     */
    public List<String> manifestPathFlag() {
        return manifest.equals(rootManifest()) ? List.of() : List.of("--manifest-path", manifest.toString());
    }

    /**
     * The location for a command run in {@code dir} (an absolute directory, cargo's working directory), with the
     * user's {@code --manifest-path} (null when not given; relative to {@code dir}).
     *
     * @throws InvalidFormatException what cargo refuses: a manifest path that does not exist, is a directory or is not
     *     a {@code Cargo.toml}; no {@code Cargo.toml} in {@code dir} or above; a manifest cargo cannot parse
     */
    public static WorkspaceLocation find(Path dir, Path manifestPath, Map<String, String> env) {
        Path manifest = manifestPath != null ? checkedManifestPath(dir, manifestPath) : nearestManifest(dir);
        if (hasWorkspaceTable(manifest)) {
            return new WorkspaceLocation(manifest.getParent(), manifest);
        }
        CargoPlanRunner cargo = new CargoPlanRunner(env.getOrDefault("CARGO", "cargo"),
                CargoPlanRunner.cargoVariables(env));
        String answer = cargo.run(dir, List.of(cargo.cargo(), "locate-project", "--workspace", "--message-format",
                "plain", "--manifest-path", manifest.toString())).strip();
        Path rootManifest = Path.of(answer).toAbsolutePath().normalize();
        return new WorkspaceLocation(rootManifest.getParent(), manifest);
    }

    /** {@code --manifest-path}, checked as cargo checks it (the same problems, in the same order). */
    static Path checkedManifestPath(Path dir, Path given) {
        Path p = dir.resolve(given).toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            throw new InvalidFormatException(p + ": --manifest-path does not exist (it must name a Cargo.toml file)");
        }
        if (Files.isDirectory(p)) {
            Path inside = p.resolve("Cargo.toml");
            throw new InvalidFormatException(p + ": --manifest-path is a directory but expected a file"
                    + (Files.isRegularFile(inside) ? " (" + inside + " exists: pass it, or --dir " + p + ")"
                            : " (it must name a Cargo.toml file)"));
        }
        if (!p.getFileName().toString().equals("Cargo.toml")) {
            throw new InvalidFormatException(p + ": the manifest-path must be a path to a Cargo.toml file");
        }
        return p;
    }

    /** The {@code Cargo.toml} of {@code dir} or of its nearest parent that has one. */
    static Path nearestManifest(Path dir) {
        Path start = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(start)) {
            throw new InvalidFormatException(start + ": no such directory (--dir must name a directory in a cargo "
                    + "workspace)");
        }
        for (Path d = start; d != null; d = d.getParent()) {
            Path m = d.resolve("Cargo.toml");
            if (Files.isRegularFile(m)) {
                return m;
            }
        }
        throw new InvalidFormatException("could not find Cargo.toml in " + start + " or any parent directory (run in a "
                + "cargo workspace, or name one with --dir or --manifest-path)");
    }

    /** Whether the manifest declares a workspace, which makes it the root of its own. */
    private static boolean hasWorkspaceTable(Path manifest) {
        try {
            return WORKSPACE_TABLE.matcher(Files.readString(manifest, StandardCharsets.UTF_8)).find();
        } catch (java.nio.charset.MalformedInputException e) {
            return false; // cargo's own error then
        } catch (IOException e) {
            throw new StoreIOException("cannot read " + manifest, e);
        }
    }
}
