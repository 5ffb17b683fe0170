package dev.crabstore.planner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Seed files for the planner's fuzz tests: the test fixtures, and the corpus workspaces' lockfiles when present. */
public final class PlannerSeeds {
    private PlannerSeeds() {}

    public static byte[] fixture(String relative) {
        try {
            return Files.readAllBytes(Path.of("src/test/resources").resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixtures at these paths under {@code src/test/resources}. */
    public static List<byte[]> fixtures(String... relative) {
        List<byte[]> out = new ArrayList<>();
        for (String r : relative) {
            out.add(fixture(r));
        }
        return out;
    }

    /**
     * The hello unit graph cut to its first three units (greet's library, its build script's compile and run), roots
     * and dependencies kept in range: a small real seed for a checked-in corpus.
     */
    public static byte[] helloUnitGraphPrefix() {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode root = (ObjectNode) json.readTree(fixture("buildplan/hello/unit-graph.json"));
        ArrayNode units = (ArrayNode) root.get("units");
        int keep = 3;
        while (units.size() > keep) {
            units.remove(units.size() - 1);
        }
        for (JsonNode u : units) {
            ArrayNode deps = (ArrayNode) u.get("dependencies");
            for (int i = deps.size() - 1; i >= 0; i--) {
                if (deps.get(i).get("index").asInt() >= keep) {
                    deps.remove(i);
                }
            }
        }
        ArrayNode roots = (ArrayNode) root.get("roots");
        roots.removeAll();
        roots.add(0);
        return json.writeValueAsBytes(root);
    }

    /** The hello metadata with its first two packages and no resolve graph, for a small checked-in corpus. */
    public static byte[] helloMetadataPrefix() {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode root = (ObjectNode) json.readTree(fixture("buildplan/hello/metadata.json"));
        ArrayNode pkgs = (ArrayNode) root.get("packages");
        while (pkgs.size() > 2) {
            pkgs.remove(pkgs.size() - 1);
        }
        for (String members : List.of("workspace_members", "workspace_default_members")) {
            ArrayNode m = (ArrayNode) root.get(members);
            while (m.size() > 2) {
                m.remove(m.size() - 1);
            }
        }
        root.putNull("resolve");
        return json.writeValueAsBytes(root);
    }

    /**
     * The {@code Cargo.lock} of each corpus workspace (small, medium, large, gitdep) found beside the repository; none
     * when ../shared is absent, so that the fuzz tests still run on the fixtures alone.
     */
    public static List<byte[]> corpusLockfiles() {
        List<byte[]> out = new ArrayList<>();
        Path ws;
        try {
            ws = dev.crabstore.testkit.Corpus.shared().resolve("corpus/workspaces");
        } catch (IllegalStateException e) {
            return out;
        }
        for (String name : List.of("small", "medium", "large", "gitdep")) {
            Path lock = ws.resolve(name).resolve("Cargo.lock");
            if (Files.isRegularFile(lock)) {
                try {
                    out.add(Files.readAllBytes(lock));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }
}
