package dev.crabstore.store.config;

import dev.crabstore.core.InvalidFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * crabstore's own settings: {@code ~/.config/crabstore/config.toml} ({@code $XDG_CONFIG_HOME} honoured), overridden by
 * a project's {@code .crabstore.toml} in the workspace, overridden by {@code CRABSTORE_SUBSTITUTERS},
 * {@code CRABSTORE_TRUSTED_PUBLIC_KEYS} and {@code CRABSTORE_SECRET_KEY_FILES} (space-separated lists).
 *
 * @param substituters     binary cache URLs to substitute from, in the order given (priorities may reorder them)
 * @param trustedPublicKeys keys whose signatures make a narinfo trusted ({@code name:base64})
 * @param secretKeyFiles   keys to sign with when pushing
 * @param store            the physical store home, if set (else {@code CRABSTORE_HOME} or the default)
 * @param negativeTtl      how long a cache's "not there" answer is remembered
 */
public record CrabstoreConfig(List<String> substituters, List<String> trustedPublicKeys, List<String> secretKeyFiles,
        Optional<String> store, Duration negativeTtl) {
    private static final Set<String> KEYS = Set.of("substituters", "trusted-public-keys", "secret-key-files", "store",
            "narinfo-cache-negative-ttl");

    public CrabstoreConfig {
        substituters = List.copyOf(substituters);
        trustedPublicKeys = List.copyOf(trustedPublicKeys);
        secretKeyFiles = List.copyOf(secretKeyFiles);
    }

    public static CrabstoreConfig defaults() {
        return new CrabstoreConfig(List.of(), List.of(), List.of(), Optional.empty(), Duration.ofHours(1));
    }

    /** The user's file, then the project's, then the environment; {@code workspace} may be null. */
    public static CrabstoreConfig load(Map<String, String> env, Path workspace) {
        String xdg = env.get("XDG_CONFIG_HOME");
        Path user = xdg != null && !xdg.isEmpty() ? Path.of(xdg, "crabstore", "config.toml")
                : Path.of(env.getOrDefault("HOME", "/root"), ".config", "crabstore", "config.toml");
        CrabstoreConfig c = defaults().with(user);
        if (workspace != null) {
            c = c.with(workspace.resolve(".crabstore.toml"));
        }
        return c.withEnvironment(env);
    }

    /** These settings overridden by the keys a file sets (nothing if it does not exist). */
    public CrabstoreConfig with(Path file) {
        if (!Files.isRegularFile(file)) {
            return this;
        }
        try {
            return with(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new InvalidFormatException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** These settings overridden by the keys the TOML {@code text} sets; {@code origin} names it in errors. */
    public CrabstoreConfig with(String text, String origin) {
        JsonNode root;
        try {
            root = TomlMapper.builder().build().readTree(text);
        } catch (JacksonException e) {
            throw new InvalidFormatException(origin + ": not valid TOML: " + e.getOriginalMessage());
        }
        if (root == null) {
            return this;
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!KEYS.contains(e.getKey())) {
                throw new InvalidFormatException(origin + ": unknown setting '" + e.getKey() + "' (known: "
                        + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
            }
        }
        List<String> subs = root.has("substituters") ? list(root, "substituters", origin) : substituters;
        List<String> keys = root.has("trusted-public-keys") ? list(root, "trusted-public-keys", origin)
                : trustedPublicKeys;
        List<String> secrets = root.has("secret-key-files") ? list(root, "secret-key-files", origin) : secretKeyFiles;
        Optional<String> st = store;
        if (root.has("store")) {
            if (!root.get("store").isString()) {
                throw new InvalidFormatException(origin + ": 'store' must be a string (a directory)");
            }
            st = Optional.of(root.get("store").asString());
        }
        Duration ttl = negativeTtl;
        if (root.has("narinfo-cache-negative-ttl")) {
            JsonNode n = root.get("narinfo-cache-negative-ttl");
            if (!n.isIntegralNumber() || n.asLong() < 0) {
                throw new InvalidFormatException(origin + ": 'narinfo-cache-negative-ttl' must be a number of seconds "
                        + ">= 0, found " + n);
            }
            ttl = Duration.ofSeconds(n.asLong());
        }
        return new CrabstoreConfig(subs, keys, secrets, st, ttl);
    }

    /** These settings overridden by the CRABSTORE_* variables that are set. */
    public CrabstoreConfig withEnvironment(Map<String, String> env) {
        return new CrabstoreConfig(words(env.get("CRABSTORE_SUBSTITUTERS")).orElse(substituters),
                words(env.get("CRABSTORE_TRUSTED_PUBLIC_KEYS")).orElse(trustedPublicKeys),
                words(env.get("CRABSTORE_SECRET_KEY_FILES")).orElse(secretKeyFiles), store, negativeTtl);
    }

    public CrabstoreConfig withSubstituters(List<String> urls) {
        return new CrabstoreConfig(urls, trustedPublicKeys, secretKeyFiles, store, negativeTtl);
    }

    public CrabstoreConfig withTrustedPublicKeys(List<String> keys) {
        return new CrabstoreConfig(substituters, keys, secretKeyFiles, store, negativeTtl);
    }

    private static Optional<List<String>> words(String value) {
        if (value == null) {
            return Optional.empty();
        }
        return Optional.of(Arrays.stream(value.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList());
    }

    private static List<String> list(JsonNode root, String key, String origin) {
        JsonNode n = root.get(key);
        List<String> out = new ArrayList<>();
        if (n.isString()) {
            return words(n.asString()).orElse(List.of());
        }
        if (!n.isArray()) {
            throw new InvalidFormatException(origin + ": '" + key + "' must be a list of strings, found " + n);
        }
        for (JsonNode x : n) {
            if (!x.isString()) {
                throw new InvalidFormatException(origin + ": '" + key + "' must be a list of strings, found " + x);
            }
            out.add(x.asString());
        }
        return out;
    }
}
