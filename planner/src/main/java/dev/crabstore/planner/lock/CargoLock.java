package dev.crabstore.planner.lock;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * A parsed {@code Cargo.lock}, versions 1 to 4. Versions 1 and 2 carry no {@code version} key: version 1 keeps
 * checksums in {@code [metadata]} and writes every dependency as {@code name version (source)}; version 2 moved
 * checksums into the packages and shortened dependencies to what is unambiguous. Versions 3 and 4 say so.
 * Everything is checked up front, so that a broken lockfile is reported with its file and package, not later as a
 * missing crate.
 */
public final class CargoLock {
    private static final int NEWEST = 4;

    private final String file;
    private final int version;
    private final List<LockedPackage> packages;
    private final Map<String, LockedPackage> byKey = new HashMap<>();

    private CargoLock(String file, int version, List<LockedPackage> packages) {
        this.file = file;
        this.version = version;
        this.packages = List.copyOf(packages);
    }

    public int version() {
        return version;
    }

    public List<LockedPackage> packages() {
        return packages;
    }

    /** The package with this name, version and source ({@code null} source for path packages). */
    public Optional<LockedPackage> find(String name, String version, String source) {
        return Optional.ofNullable(byKey.get(key(name, version, source)));
    }

    /** Like {@link #find} but a missing package is an error naming the lockfile. */
    public LockedPackage require(String name, String version, String source) {
        return find(name, version, source).orElseThrow(() -> new InvalidLockfileException(file + ": package '" + name
                + " " + version + "'" + (source == null ? "" : " from " + source) + " is not in the lockfile"
                + " (is Cargo.lock out of date? run cargo generate-lockfile or drop --locked)"));
    }

    private static String key(String name, String version, String source) {
        return name + " " + version + " " + (source == null ? "" : source);
    }

    public static CargoLock parse(String text, String file) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(file, "file");
        JsonNode root;
        try {
            root = TomlMapper.builder().build().readTree(text);
        } catch (JacksonException e) {
            throw new InvalidLockfileException(file + ": not valid TOML: " + e.getOriginalMessage()
                    + location(e));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidLockfileException(file + ": not a Cargo.lock (no tables)");
        }
        Integer declared = null;
        if (root.has("version")) {
            JsonNode v = root.get("version");
            if (!v.isIntegralNumber()) {
                throw new InvalidLockfileException(file + ": 'version' must be an integer, found " + v);
            }
            declared = v.canConvertToInt() ? v.asInt() : Integer.MIN_VALUE;
            if (declared < 3 || declared > NEWEST) {
                throw new InvalidLockfileException(file + ": lockfile version " + v + " is not supported"
                        + " (crabstore reads versions 1 to " + NEWEST + "; versions 1 and 2 have no version key)");
            }
        }
        List<JsonNode> tables = new ArrayList<>();
        JsonNode pkgs = root.get("package");
        if (pkgs != null) {
            if (!pkgs.isArray()) {
                throw new InvalidLockfileException(file + ": 'package' must be an array of tables ([[package]])");
            }
            pkgs.forEach(tables::add);
        }
        if (root.has("root")) { // the oldest lockfiles name the root package apart
            tables.add(root.get("root"));
        }
        Map<String, Hash> metadataSums = new HashMap<>();
        boolean v1 = false;
        JsonNode metadata = root.get("metadata");
        if (metadata != null) {
            if (!metadata.isObject()) {
                throw new InvalidLockfileException(file + ": [metadata] must be a table");
            }
            for (Map.Entry<String, JsonNode> e : metadata.properties()) {
                if (!e.getKey().startsWith("checksum ")) {
                    continue;
                }
                v1 = true;
                String k = e.getKey().substring("checksum ".length());
                int paren = k.lastIndexOf(" (");
                if (paren < 0 || !k.endsWith(")") || !e.getValue().isString()) {
                    throw new InvalidLockfileException(file + ": [metadata] entry '" + e.getKey()
                            + "' is not 'checksum NAME VERSION (SOURCE)' = \"SHA256\"");
                }
                String value = e.getValue().asString();
                if (value.equals("<none>")) {
                    continue;
                }
                metadataSums.put(k.substring(0, paren) + " " + k.substring(paren + 2, k.length() - 1),
                        sha256(file, "[metadata] '" + e.getKey() + "'", value));
            }
        }
        List<LockedPackage> out = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            LockedPackage p = readPackage(file, i, tables.get(i));
            v1 |= p.dependencies().stream().anyMatch(d -> d.contains(" ("));
            out.add(p);
        }
        int version = declared != null ? declared : v1 ? 1 : 2;
        if (!metadataSums.isEmpty()) {
            List<LockedPackage> withSums = new ArrayList<>();
            for (LockedPackage p : out) {
                Hash h = p.source().map(s -> metadataSums.get(p.label() + " " + s.render())).orElse(null);
                withSums.add(h == null || p.checksum().isPresent() ? p
                        : new LockedPackage(p.name(), p.version(), p.source(), Optional.of(h), p.dependencies()));
            }
            out = withSums;
        }
        CargoLock lock = new CargoLock(file, version, out);
        lock.index();
        return lock;
    }

    private void index() {
        Map<String, List<LockedPackage>> byName = new HashMap<>();
        for (LockedPackage p : packages) {
            String k = key(p.name(), p.version(), p.source().map(LockedSource::render).orElse(null));
            if (byKey.put(k, p) != null) {
                throw new InvalidLockfileException(file + ": package '" + p.label() + "'"
                        + p.source().map(s -> " from " + s.render()).orElse("") + " is listed twice");
            }
            byName.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p);
        }
        for (LockedPackage p : packages) {
            for (String d : p.dependencies()) {
                resolve(p, d, byName);
            }
        }
    }

    private void resolve(LockedPackage from, String dep, Map<String, List<LockedPackage>> byName) {
        String[] parts = dep.split(" ", 3);
        List<LockedPackage> candidates = new ArrayList<>(byName.getOrDefault(parts[0], List.of()));
        if (parts.length >= 2) {
            candidates.removeIf(c -> !c.version().equals(parts[1]));
        }
        if (parts.length == 3) {
            String src = parts[2].startsWith("(") && parts[2].endsWith(")") ? parts[2].substring(1, parts[2].length() - 1)
                    : null;
            if (src == null) {
                throw new InvalidLockfileException(file + ": package '" + from.label() + "': dependency '" + dep
                        + "' is not 'name [version [(source)]]'");
            }
            // Dependency strings name git sources without the locked commit.
            candidates.removeIf(c -> !c.source().map(s -> s.render().equals(src) || s.render().equals(src + "#"
                    + s.commit().orElse(""))).orElse(src.startsWith("path+")));
        }
        if (candidates.isEmpty()) {
            throw new InvalidLockfileException(file + ": package '" + from.label() + "' depends on '" + dep
                    + "', which is not a package of the lockfile (truncated or hand-edited?)");
        }
        if (candidates.size() > 1) {
            throw new InvalidLockfileException(file + ": package '" + from.label() + "': dependency '" + dep
                    + "' is ambiguous: " + candidates.size() + " packages match");
        }
    }

    private static LockedPackage readPackage(String file, int index, JsonNode t) {
        String where = file + ": [[package]] #" + (index + 1);
        if (!t.isObject()) {
            throw new InvalidLockfileException(where + " is not a table");
        }
        String name = string(t, "name", where, true);
        if (!name.matches("[A-Za-z0-9_-]+")) {
            throw new InvalidLockfileException(where + ": name '" + name + "' is not a crate name");
        }
        where = file + ": package '" + name + "'";
        String version = string(t, "version", where, true);
        if (!version.matches("\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.+-]*)?")) {
            throw new InvalidLockfileException(where + ": version '" + version + "' is not a semver version");
        }
        where = file + ": package '" + name + " " + version + "'";
        String src = string(t, "source", where, false);
        Optional<LockedSource> source;
        try {
            source = Optional.ofNullable(src).map(LockedSource::parse);
        } catch (IllegalArgumentException e) {
            throw new InvalidLockfileException(where + ": " + e.getMessage());
        }
        String sum = string(t, "checksum", where, false);
        Optional<Hash> checksum = sum == null ? Optional.empty() : Optional.of(sha256(file, "package '" + name + " "
                + version + "'", sum));
        List<String> deps = new ArrayList<>();
        JsonNode d = t.get("dependencies");
        if (d != null) {
            if (!d.isArray()) {
                throw new InvalidLockfileException(where + ": 'dependencies' must be an array of strings");
            }
            for (JsonNode x : d) {
                if (!x.isString() || x.asString().isBlank()) {
                    throw new InvalidLockfileException(where + ": dependency " + x + " is not a non-empty string");
                }
                deps.add(x.asString());
            }
        }
        return new LockedPackage(name, version, source, checksum, deps);
    }

    private static String string(JsonNode t, String key, String where, boolean required) {
        JsonNode n = t.get(key);
        if (n == null) {
            if (required) {
                throw new InvalidLockfileException(where + ": missing '" + key + "'");
            }
            return null;
        }
        if (!n.isString()) {
            throw new InvalidLockfileException(where + ": '" + key + "' must be a string, found " + n);
        }
        return n.asString();
    }

    private static Hash sha256(String file, String where, String hex) {
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new InvalidLockfileException(file + ": " + where + ": checksum '" + hex
                    + "' is not a sha256 (64 lowercase hex digits)");
        }
        return Hash.parse(HashAlgorithm.SHA256, hex);
    }

    private static String location(JacksonException e) {
        var loc = e.getLocation();
        return loc == null || loc.getLineNr() < 1 ? "" : " (line " + loc.getLineNr() + ")";
    }
}
