package dev.crabstore.store.cargo;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * Where the {@code .crate} of a registry package comes from and what its sha256 must be: the checksum from
 * {@code Cargo.lock}, the URL from cargo's source replacement ({@code [source]} in the {@code .cargo/config.toml}
 * files cargo reads) and the registry's {@code dl} template. Supports local registries and sparse HTTP registries.
 */
public final class RegistrySources {
    private static final String CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";

    private final Map<String, Hash> checksums;
    private final Map<String, String> gitSources;
    private final List<JsonNode> sourceTables;
    private final Map<String, String> dlTemplates = new HashMap<>();
    private final Path lockfile;

    private RegistrySources(Map<String, Hash> checksums, Map<String, String> gitSources, List<JsonNode> sourceTables,
            Path lockfile) {
        this.checksums = checksums;
        this.gitSources = gitSources;
        this.sourceTables = sourceTables;
        this.lockfile = lockfile;
    }

    /** Reads {@code Cargo.lock} of the workspace and the cargo config files that apply to it. */
    public static RegistrySources load(Path workspace, Map<String, String> env) {
        Path lock = workspace.resolve("Cargo.lock");
        Map<String, Hash> sums = new HashMap<>();
        Map<String, String> git = new HashMap<>();
        TomlMapper toml = TomlMapper.builder().build();
        if (Files.isRegularFile(lock)) {
            JsonNode root;
            try {
                root = toml.readTree(Files.readString(lock));
            } catch (IOException | RuntimeException e) {
                throw new InvalidFormatException(lock + ": not a valid Cargo.lock: " + e.getMessage());
            }
            for (JsonNode p : root.path("package")) {
                if (p.has("source") && p.get("source").asString().startsWith("git+")) {
                    git.put(p.get("name").asString() + " " + p.get("version").asString(), p.get("source").asString());
                }
                if (p.has("checksum") && p.has("source")) {
                    String key = p.get("name").asString() + " " + p.get("version").asString() + " "
                            + p.get("source").asString();
                    sums.put(key, Hash.parse(HashAlgorithm.SHA256, p.get("checksum").asString()));
                }
            }
            // Lockfile version 1 keeps checksums in [metadata].
            root.path("metadata").properties().forEach(e -> {
                if (e.getKey().startsWith("checksum ") && e.getKey().endsWith(")")) {
                    String k = e.getKey().substring(9);
                    int paren = k.lastIndexOf(" (");
                    sums.put(k.substring(0, paren) + " " + k.substring(paren + 2, k.length() - 1),
                            Hash.parse(HashAlgorithm.SHA256, e.getValue().asString()));
                }
            });
        }
        List<JsonNode> tables = new ArrayList<>();
        for (Path dir = workspace.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            addConfig(toml, dir.resolve(".cargo/config.toml"), tables);
            addConfig(toml, dir.resolve(".cargo/config"), tables);
        }
        String home = env.getOrDefault("CARGO_HOME", env.getOrDefault("HOME", "/root") + "/.cargo");
        addConfig(toml, Path.of(home, "config.toml"), tables);
        addConfig(toml, Path.of(home, "config"), tables);
        return new RegistrySources(sums, git, tables, lock);
    }

    private static void addConfig(TomlMapper toml, Path file, List<JsonNode> tables) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            JsonNode root = toml.readTree(Files.readString(file));
            if (root.has("source")) {
                tables.add(root.get("source"));
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidFormatException(file + ": not a valid cargo config: " + e.getMessage());
        }
    }

    /** A git package's repository URL (without query) and locked commit, from Cargo.lock. */
    public record GitSource(String url, String commit) {}

    public GitSource gitSource(String name, String version) {
        String src = gitSources.get(name + " " + version);
        if (src == null || src.indexOf('#') < 0) {
            throw new InvalidFormatException(lockfile + ": git package " + name + " " + version
                    + " has no locked commit");
        }
        String url = src.substring(4, src.indexOf('#'));
        int q = url.indexOf('?');
        return new GitSource(q >= 0 ? url.substring(0, q) : url, src.substring(src.indexOf('#') + 1));
    }

    /** The locked sha256 of a registry package; missing is an error naming the lockfile. */
    public Hash checksum(String name, String version, String source) {
        Hash h = checksums.get(name + " " + version + " " + source);
        if (h == null) {
            throw new InvalidFormatException(lockfile + ": package " + name + " " + version + " (" + source
                    + ") has no checksum");
        }
        return h;
    }

    /** The URL of the package's {@code .crate}, after source replacement. */
    public URI crateUrl(String name, String version, String source, Hash checksum) {
        String sourceName = source.equals(CRATES_IO) ? "crates-io" : null;
        String location = null;
        if (sourceName == null) {
            location = source;
        }
        for (int hops = 0; sourceName != null && hops < 16; hops++) {
            JsonNode entry = lookup(sourceName);
            if (entry == null) {
                location = sourceName.equals("crates-io") ? "sparse+https://index.crates.io/" : null;
                break;
            }
            if (entry.has("replace-with")) {
                sourceName = entry.get("replace-with").asString();
                continue;
            }
            if (entry.has("local-registry")) {
                return Path.of(entry.get("local-registry").asString()).resolve(name + "-" + version + ".crate").toUri();
            }
            if (entry.has("registry")) {
                location = entry.get("registry").asString();
                break;
            }
            if (entry.has("directory")) {
                throw new InvalidFormatException("source '" + sourceName + "' is a directory source, which crabstore "
                        + "does not fetch yet; use a local-registry or a sparse registry");
            }
            throw new InvalidFormatException("cargo config source '" + sourceName + "' has no location");
        }
        if (location == null) {
            throw new InvalidFormatException("cannot resolve the source of " + name + " " + version + " (" + source + ")");
        }
        if (!location.startsWith("sparse+")) {
            throw new InvalidFormatException("registry " + location + " is not a sparse registry; crabstore reads "
                    + "local and sparse registries");
        }
        String dl = dlTemplates.computeIfAbsent(location, RegistrySources::fetchDl);
        if (!dl.contains("{")) {
            dl = dl + "/{crate}/{version}/download";
        }
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        String prefix = lower.length() <= 2 ? Integer.toString(lower.length())
                : lower.length() == 3 ? "3/" + lower.charAt(0) : lower.substring(0, 2) + "/" + lower.substring(2, 4);
        return URI.create(dl.replace("{crate}", name).replace("{version}", version)
                .replace("{prefix}", prefix).replace("{lowerprefix}", prefix)
                .replace("{sha256-checksum}", checksum.toBase16()));
    }

    private JsonNode lookup(String sourceName) {
        for (JsonNode t : sourceTables) {
            if (t.has(sourceName)) {
                return t.get(sourceName);
            }
        }
        return null;
    }

    private static String fetchDl(String sparse) {
        String index = sparse.substring("sparse+".length());
        URI config = URI.create(index.endsWith("/") ? index + "config.json" : index + "/config.json");
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build().send(
                    HttpRequest.newBuilder(config).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new StoreIOException("cannot read " + config + ": HTTP " + r.statusCode());
            }
            return JsonMapper.builder().build().readTree(r.body()).path("dl").asString();
        } catch (IOException e) {
            throw new StoreIOException("cannot read " + config, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreIOException("interrupted while reading " + config);
        }
    }
}
