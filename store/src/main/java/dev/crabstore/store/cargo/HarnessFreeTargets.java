package dev.crabstore.store.cargo;

import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.InvocationPlanner;
import dev.crabstore.planner.unit.PlanSettings;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * The test targets whose manifest says {@code harness = false} (a custom test {@code main}, criterion's benches).
 * Neither cargo's unit graph nor its metadata carries the flag, so it is read from the package's Cargo.toml, which
 * cargo has just parsed without complaint.
 */
final class HarnessFreeTargets {
    private static final TomlMapper TOML = TomlMapper.builder().build();

    private HarnessFreeTargets() {}

    /** {@link PlanSettings#targetKey}s of the test-mode units of {@code g} built without libtest's harness. */
    static Set<String> of(UnitGraph g, CargoMetadata metadata) {
        Set<String> testPackages = new HashSet<>();
        for (Unit u : g.units()) {
            if (u.mode().equals("test")) {
                testPackages.add(u.pkgId());
            }
        }
        Set<String> out = new HashSet<>();
        for (String id : testPackages) {
            Path manifest = Path.of(metadata.pkg(id, "cargo metadata").manifestPath());
            JsonNode root;
            try {
                root = TOML.readTree(Files.readString(manifest));
            } catch (IOException | tools.jackson.core.JacksonException e) {
                throw new StoreIOException("cannot read " + manifest + " for its targets' harness setting", e);
            }
            JsonNode lib = root.get("lib");
            if (lib != null && lib.has("harness") && !lib.get("harness").asBoolean()) {
                out.add(PlanSettings.targetKey(id, "lib", ""));
            }
            for (String kind : List.of("bin", "test", "bench", "example")) {
                JsonNode targets = root.get(kind);
                if (targets == null || !targets.isArray()) {
                    continue;
                }
                for (JsonNode t : targets) {
                    if (t.has("name") && t.has("harness") && !t.get("harness").asBoolean()) {
                        out.add(PlanSettings.targetKey(id, kind, t.get("name").asString()));
                    }
                }
            }
        }
        return out;
    }
}
