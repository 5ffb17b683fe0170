package dev.crabstore.store.cargo;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.planner.config.CargoConfig;
import dev.crabstore.planner.lock.CargoLock;
import dev.crabstore.planner.lock.LockedPackage;
import dev.crabstore.planner.lock.LockedSource;
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

    private final CargoLock lock;
    private final CargoConfig config;
    private final Map<String, String> dlTemplates = new HashMap<>();
    private final Path lockfile;

    public RegistrySources(CargoLock lock, CargoConfig config, Path lockfile) {
        this.lock = lock;
        this.config = config;
        this.lockfile = lockfile;
    }

    /** Reads {@code Cargo.lock} of the workspace and the cargo config files that apply to it. */
    public static RegistrySources load(Path workspace, Map<String, String> env, CargoSelection selection) {
        Path lock = workspace.resolve("Cargo.lock");
        return new RegistrySources(readLock(lock), CargoConfigFiles.load(workspace, env, selection), lock);
    }

    /** A lockfile's text and what it parsed to. */
    public record ReadLock(String text, CargoLock lock) {}

    /** Parses a lockfile strictly, unless its text is that of {@code earlier} (then that parse is reused). */
    public static ReadLock readLockText(Path lock, ReadLock earlier) {
        String text;
        try {
            text = Files.readString(lock);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidFormatException(lock + ": no lockfile (run cargo generate-lockfile, or build without "
                    + "--locked/--frozen so that cargo writes one)");
        } catch (IOException e) {
            throw new StoreIOException("cannot read " + lock, e);
        }
        if (earlier != null && earlier.text().equals(text)) {
            return earlier;
        }
        return new ReadLock(text, CargoLock.parse(text, lock.toString()));
    }

    /** Parses a lockfile strictly; a missing one is an error naming it. */
    public static CargoLock readLock(Path lock) {
        String text;
        try {
            text = Files.readString(lock);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidFormatException(lock + ": no lockfile (run cargo generate-lockfile, or build without "
                    + "--locked/--frozen so that cargo writes one)");
        } catch (IOException e) {
            throw new StoreIOException("cannot read " + lock, e);
        }
        return CargoLock.parse(text, lock.toString());
    }

    /** A git package's repository URL (without query) and locked commit, from Cargo.lock. */
    public record GitSource(String url, String commit) {}

    /** The locked commit of a git package; {@code source} is {@code git+URL[?ref]} as in its package id. */
    public GitSource gitSource(String name, String version, String source) {
        LockedPackage p = lock.packages().stream().filter(x -> x.name().equals(name) && x.version().equals(version)
                && x.source().map(s -> s.isGit() && (s.render().equals(source) || s.render().startsWith(source + "#")))
                        .orElse(false)).findFirst().orElseThrow(
                () -> new InvalidFormatException(lockfile + ": git package " + name + " " + version + " from "
                        + source + " is not in the lockfile"));
        LockedSource src = p.source().orElseThrow();
        return new GitSource(src.url(), src.commit().orElseThrow());
    }

    /** The locked sha256 of a registry package; missing is an error naming the lockfile. */
    public Hash checksum(String name, String version, String source) {
        Hash h = lock.require(name, version, source).checksum().orElse(null);
        if (h == null) {
            throw new InvalidFormatException(lockfile + ": package " + name + " " + version + " (" + source
                    + ") has no checksum");
        }
        return h;
    }

    /** Where a registry package's sources are, after source replacement. */
    public sealed interface CrateLocation {
        /** A {@code .crate} to download (or read from a local registry) and verify against the lockfile. */
        record Download(URI url) implements CrateLocation {}

        /** A vendored package directory ({@code [source] directory = ...}), its checksum verified here. */
        record Vendored(Path dir) implements CrateLocation {}
    }

    /** The URL of the package's {@code .crate}, after source replacement. */
    public URI crateUrl(String name, String version, String source, Hash checksum) {
        CrateLocation l = locate(name, version, source, checksum);
        if (l instanceof CrateLocation.Download d) {
            return d.url();
        }
        throw new InvalidFormatException("package " + name + " " + version + " is vendored in "
                + ((CrateLocation.Vendored) l).dir() + ", not downloaded");
    }

    /**
     * Follows cargo's source replacement from the package's source ({@code crates-io}, or the
     * {@code [registries.<name>]} whose index it is) through {@code replace-with} to a local registry, a directory
     * of vendored packages, or a sparse registry.
     */
    public CrateLocation locate(String name, String version, String source, Hash checksum) {
        String sourceName = source.equals(CRATES_IO) ? "crates-io" : config.registryNamed(source).orElse(null);
        String location = null;
        if (sourceName == null) {
            location = source;
        }
        for (int hops = 0; sourceName != null && hops < 16; hops++) {
            Map<String, String> entry = config.source(sourceName).orElse(null);
            if (entry == null) {
                location = sourceName.equals("crates-io") ? "sparse+https://index.crates.io/" : source;
                break;
            }
            if (entry.containsKey("replace-with")) {
                sourceName = entry.get("replace-with");
                continue;
            }
            if (entry.containsKey("local-registry")) {
                return new CrateLocation.Download(Path.of(entry.get("local-registry")).resolve(name + "-" + version
                        + ".crate").toUri());
            }
            if (entry.containsKey("registry")) {
                location = entry.get("registry");
                break;
            }
            if (entry.containsKey("directory")) {
                return new CrateLocation.Vendored(vendored(Path.of(entry.get("directory")), name, version, checksum));
            }
            throw new InvalidFormatException("cargo config source '" + sourceName + "' has no location");
        }
        if (location == null) {
            throw new InvalidFormatException("cannot resolve the source of " + name + " " + version + " (" + source + ")");
        }
        if (!location.startsWith("sparse+")) {
            throw new InvalidFormatException("registry " + location + " is not a sparse registry; crabstore reads "
                    + "local and sparse registries and vendored directories (replace git-index registries with "
                    + "their sparse+ URL)");
        }
        String dl = dlTemplates.computeIfAbsent(location, RegistrySources::fetchDl);
        if (!dl.contains("{")) {
            dl = dl + "/{crate}/{version}/download";
        }
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        String prefix = lower.length() <= 2 ? Integer.toString(lower.length())
                : lower.length() == 3 ? "3/" + lower.charAt(0) : lower.substring(0, 2) + "/" + lower.substring(2, 4);
        return new CrateLocation.Download(URI.create(dl.replace("{crate}", name).replace("{version}", version)
                .replace("{prefix}", prefix).replace("{lowerprefix}", prefix)
                .replace("{sha256-checksum}", checksum.toBase16())));
    }

    /**
     * The vendored directory of a package, as {@code cargo vendor} lays it out ({@code <name>-<version>}, or
     * {@code <name>} for the first version), whose {@code .cargo-checksum.json} must name the lockfile's checksum.
     */
    static Path vendored(Path directory, String name, String version, Hash checksum) {
        for (Path candidate : List.of(directory.resolve(name + "-" + version), directory.resolve(name))) {
            Path sums = candidate.resolve(".cargo-checksum.json");
            if (!Files.isRegularFile(sums)) {
                continue;
            }
            JsonNode json;
            try {
                json = JsonMapper.builder().build().readTree(Files.readString(sums));
            } catch (IOException | RuntimeException e) {
                throw new InvalidFormatException(sums + ": not a valid .cargo-checksum.json: " + e.getMessage());
            }
            String pkg = json.path("package").asString("");
            if (pkg.equals(checksum.toBase16())) {
                return candidate;
            }
            if (candidate.getFileName().toString().equals(name + "-" + version)) {
                throw new InvalidFormatException(sums + ": package checksum " + pkg + " is not the lockfile's "
                        + checksum.toBase16() + " for " + name + " " + version);
            }
        }
        throw new InvalidFormatException("vendored directory " + directory + " has no package " + name + " " + version
                + " (with checksum " + checksum.toBase16() + "); run cargo vendor again");
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
