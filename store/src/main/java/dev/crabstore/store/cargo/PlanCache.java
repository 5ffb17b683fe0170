package dev.crabstore.store.cargo;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Remembers what cargo and rustc said about a workspace, so that an unchanged workspace is re-planned without
 * running them. An entry is found by a key over everything the plan depends on that can be read without cargo
 * (selection flags, the environment cargo reads, Cargo.lock, the root manifest, cargo config files, rustup's
 * toolchain choice) and is used only if every manifest cargo read then (members and path dependencies) is unchanged.
 *
 * <p>The key names the workspace's own files relative to it, so a checkout of the same workspace elsewhere finds the
 * entry too: cargo's answers are then moved to the new place by rewriting the old workspace path, which is only done
 * when every path package lies inside the workspace (a path dependency outside it would be another directory from
 * the new place) and both paths are plain (characters that JSON and file URLs write as they are).
 */
public final class PlanCache {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Path dir;

    public PlanCache(Path dir) {
        this.dir = dir;
    }

    /** A cached plan: cargo's answers and the toolchain probe. */
    public record Entry(CargoPlan cargo, RustToolchain toolchain) {}

    public static String key(Path ws, CargoSelection selection, Map<String, String> env) {
        StringBuilder sb = new StringBuilder("crabstore-plan-v3\n").append(ws).append('\n')
                .append(selection.command()).append('\n');
        selection.flags().forEach(f -> sb.append(f).append('\u0000'));
        sb.append('\n');
        new TreeMap<>(env).forEach((k, v) -> {
            if (k.startsWith("CARGO") || k.startsWith("RUST") || k.equals("PATH") || k.equals("HOME")) {
                sb.append(k).append('=').append(v).append('\n');
            }
        });
        for (Path f : List.of(ws.resolve("Cargo.lock"), ws.resolve("Cargo.toml"), ws.resolve("rust-toolchain"),
                ws.resolve("rust-toolchain.toml"))) {
            sb.append(f).append(':').append(contentHash(f)).append('\n');
        }
        for (String c : selection.values("--config")) { // a --config naming a file: its content counts
            Path f = ws.resolve(c);
            if (c.endsWith(".toml") && Files.isRegularFile(f)) {
                sb.append(f).append(':').append(contentHash(f)).append('\n');
            }
        }
        for (Path d = ws; d != null; d = d.getParent()) {
            for (String name : List.of(".cargo/config.toml", ".cargo/config")) {
                Path f = d.resolve(name);
                if (Files.exists(f)) {
                    sb.append(f).append(':').append(contentHash(f)).append('\n');
                }
            }
        }
        String home = env.getOrDefault("HOME", "/root");
        String cargoHome = env.getOrDefault("CARGO_HOME", home + "/.cargo");
        String rustupHome = env.getOrDefault("RUSTUP_HOME", home + "/.rustup");
        for (Path f : List.of(Path.of(cargoHome, "config.toml"), Path.of(cargoHome, "config"),
                Path.of(rustupHome, "settings.toml"))) {
            sb.append(f).append(':').append(contentHash(f)).append('\n');
        }
        return Hash.sha256(relative(sb.toString(), ws.toString())).toNix32();
    }

    /** {@code text} with the workspace path written as {@code <ws>} wherever it starts a path. */
    static String relative(String text, String ws) {
        return text.replaceAll(java.util.regex.Pattern.quote(ws) + "(?=[/\"#\n:]|$)", "<ws>");
    }

    /** Letters, digits and {@code / . _ - + @ ~}: what a JSON string and a file URL both hold unescaped. */
    static boolean isPlain(String path) {
        return path.matches("/[A-Za-z0-9/._+@~-]*");
    }

    private static String contentHash(Path f) {
        try {
            return Files.isRegularFile(f) ? Hash.sha256(Files.readAllBytes(f)).toNix32() : "-";
        } catch (IOException e) {
            return "unreadable";
        }
    }

    /** The entry of {@code key} for the workspace {@code ws}, moved there if it was made in another checkout. */
    public Optional<Entry> get(String key, Path ws) {
        Path f = dir.resolve(key + ".json");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
            String from = n.get("workspace").asString();
            String to = ws.toString();
            boolean moved = !from.equals(to);
            if (moved && !(isPlain(from) && isPlain(to) && n.get("relocatable").asBoolean())) {
                return Optional.empty();
            }
            for (JsonNode m : n.get("manifests")) {
                String path = m.get("path").asString();
                if (moved) {
                    path = to + path.substring(from.length()); // relocatable: every manifest is inside the workspace
                }
                if (!contentHash(Path.of(path)).equals(m.get("hash").asString())) {
                    return Optional.empty();
                }
            }
            String ug = moved ? moved(n.get("unitGraph").asString(), from, to) : n.get("unitGraph").asString();
            String md = moved ? moved(n.get("metadata").asString(), from, to) : n.get("metadata").asString();
            CargoPlan cargo = new CargoPlan(UnitGraph.parse(ug, f.toString()), CargoMetadata.parse(md, f.toString()),
                    ug, md);
            JsonNode t = n.get("toolchain");
            List<String> cfg = new ArrayList<>();
            t.get("cfg").forEach(c -> cfg.add(c.asString()));
            return Optional.of(new Entry(cargo, new RustToolchain(Path.of(t.get("sysroot").asString()),
                    t.get("host").asString(), t.get("version").asString(), cfg, t.get("identity").asString())));
        } catch (IOException | RuntimeException e) {
            // A damaged entry is a miss; it is rewritten after the next real plan.
            return Optional.empty();
        }
    }

    /**
     * Deletes the entries last written for a workspace that no longer exists (no Cargo.toml at its recorded place):
     * another checkout of it plans again once. How many.
     */
    public int forgetDeletedWorkspaces() {
        int n = 0;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().endsWith(".json")) {
                    Optional<String> ws = recordedWorkspace(f);
                    if (ws.isPresent() && !Files.isRegularFile(Path.of(ws.get()).resolve("Cargo.toml"))
                            && Files.deleteIfExists(f)) {
                        n++;
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new StoreIOException("cannot list the plan cache " + dir, e);
        }
        return n;
    }

    /** The {@code workspace} of an entry, read from its start (it is written first), without parsing the rest. */
    private static Optional<String> recordedWorkspace(Path f) {
        try (java.io.Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            char[] head = new char[8192];
            int len = r.read(head);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\{\"workspace\":\"((?:[^\"\\\\]|\\\\.)*)\"")
                    .matcher(len > 0 ? new String(head, 0, len) : "");
            return m.find() ? Optional.of(JSON.readValue("\"" + m.group(1) + "\"", String.class)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** cargo's JSON about a workspace at {@code from}, as about the same workspace at {@code to}. */
    static String moved(String json, String from, String to) {
        return json.replaceAll(java.util.regex.Pattern.quote(from) + "(?=[/\"#])",
                java.util.regex.Matcher.quoteReplacement(to));
    }

    /** Records {@code e}, the plan of the workspace {@code ws}, under {@code key}. */
    public void put(String key, Path ws, Entry e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("workspace", ws.toString());
        n.put("unitGraph", e.cargo().unitGraphJson());
        n.put("metadata", e.cargo().metadataJson());
        var manifests = n.putArray("manifests");
        TreeSet<String> paths = new TreeSet<>();
        for (MetadataPackage p : e.cargo().metadata().packages().values()) {
            if (p.id().startsWith("path+")) {
                paths.add(p.manifestPath());
            }
        }
        for (String p : paths) {
            manifests.addObject().put("path", p).put("hash", contentHash(Path.of(p)));
        }
        // Relocatable when the workspace holds exactly the path packages: none outside it, and no registry or git
        // checkout (a CARGO_HOME) inside it, whose paths must not move.
        String inside = ws + "/";
        n.put("relocatable", e.cargo().metadata().packages().values().stream()
                .allMatch(p -> p.id().startsWith("path+") == p.manifestPath().startsWith(inside)));
        ObjectNode t = n.putObject("toolchain");
        t.put("sysroot", e.toolchain().sysroot().toString());
        t.put("host", e.toolchain().host());
        t.put("version", e.toolchain().versionText());
        t.put("identity", e.toolchain().identity());
        var cfg = t.putArray("cfg");
        e.toolchain().cfg().forEach(cfg::add);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".plan", ".tmp");
            Files.writeString(tmp, n.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(key + ".json"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ex) {
            throw new StoreIOException("cannot write the plan cache in " + dir, ex);
        }
    }
}
