package dev.crabstore.store.cargo;

import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.ManifestLints;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code [lints]} flags of the path packages of a plan, read from their Cargo.toml (and the workspace root's for
 * {@code lints.workspace = true}): neither cargo's unit graph nor its metadata carries them. Registry and git packages
 * are compiled with {@code --cap-lints allow}, which makes their lint levels moot; their manifests are only read once
 * their sources are fetched, so they get none.
 */
final class PackageLints {
    private PackageLints() {}

    static Map<String, List<String>> of(UnitGraph g, CargoMetadata metadata) {
        Map<String, List<String>> out = new HashMap<>();
        Path wsManifest = Path.of(metadata.workspaceRoot(), "Cargo.toml");
        String ws = null;
        for (Unit u : g.units()) {
            if (out.containsKey(u.pkgId()) || !u.packageId().isPath()) {
                continue;
            }
            Path manifest = Path.of(metadata.pkg(u.pkgId(), "cargo metadata").manifestPath());
            String text = read(manifest);
            if (ws == null && !manifest.equals(wsManifest) && text.contains("lints")) {
                ws = Files.isRegularFile(wsManifest) ? read(wsManifest) : "";
            }
            out.put(u.pkgId(), text.contains("lints") ? ManifestLints.rustcFlags(text, manifest.toString(),
                    manifest.equals(wsManifest) ? null : ws, wsManifest.toString()) : List.of());
        }
        return out;
    }

    private static String read(Path manifest) {
        try {
            return Files.readString(manifest);
        } catch (IOException e) {
            throw new StoreIOException("cannot read " + manifest + " for its [lints]", e);
        }
    }
}
