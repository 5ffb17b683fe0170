package dev.crabstore.planner.config;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.sign.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * crabstore's own settings, merged from layers: the user's {@code crabstore/config.toml}, a project's
 * {@code .crabstore.toml}, then the environment ({@code CRABSTORE_SUBSTITUTERS}, {@code CRABSTORE_TRUSTED_PUBLIC_KEYS},
 * {@code CRABSTORE_SECRET_KEY_FILES}, space-separated), each later one replacing the keys it sets. Pure: the text of
 * each file is given (finding and reading the files is {@code store.config.ConfigFiles}).
 *
 * @param substituters      binary cache URLs to substitute from, in the order given (priorities may reorder them)
 * @param trustedPublicKeys keys whose signatures make a narinfo trusted ({@code name:base64}), each checked
 * @param secretKeyFiles    key files to sign with when pushing
 * @param store             the physical store home, if set (else {@code CRABSTORE_HOME} or the default)
 * @param negativeTtl       how long a cache's "not there" answer is remembered
 * @param downloadTimeout   how long a cache may take to connect, to answer, or to send the next bytes of a file
 * @param keepOutputs       Nix's {@code keep-outputs}: {@code gc} keeps the outputs of every live {@code .drv}, so a
 *                          workspace's last build keeps its whole build-time closure (default true, unlike Nix:
 *                          a checkout's dependencies should survive a gc as they survive in cargo's {@code target/})
 * @param workspaceFiles    files and directories of the workspace, relative to its root, that every member's units
 *                          see at their place (a sandbox shows a unit only its own package otherwise): what
 *                          {@code include_str!("../../README.md")} or a build script's {@code ../proto} read
 */
public record CrabstoreConfig(List<String> substituters, List<String> trustedPublicKeys, List<String> secretKeyFiles,
        Optional<String> store, Duration negativeTtl, Duration downloadTimeout, boolean keepOutputs,
        List<String> workspaceFiles) {
    public static final String SUBSTITUTERS = "substituters";
    public static final String TRUSTED_PUBLIC_KEYS = "trusted-public-keys";
    public static final String SECRET_KEY_FILES = "secret-key-files";
    public static final String STORE = "store";
    public static final String NEGATIVE_TTL = "narinfo-cache-negative-ttl";
    public static final String DOWNLOAD_TIMEOUT = "stalled-download-timeout";
    public static final String KEEP_OUTPUTS = "keep-outputs";
    public static final String WORKSPACE_FILES = "workspace-files";
    private static final Set<String> KEYS = new TreeSet<>(Set.of(SUBSTITUTERS, TRUSTED_PUBLIC_KEYS, SECRET_KEY_FILES,
            STORE, NEGATIVE_TTL, DOWNLOAD_TIMEOUT, KEEP_OUTPUTS, WORKSPACE_FILES));

    public CrabstoreConfig {
        substituters = List.copyOf(substituters);
        trustedPublicKeys = List.copyOf(trustedPublicKeys);
        secretKeyFiles = List.copyOf(secretKeyFiles);
        workspaceFiles = List.copyOf(workspaceFiles);
    }

    /**
     * Nothing configured; misses remembered for an hour (Nix's default); caches given 30 s to answer; gc keeps the
     * build-time closures of the workspaces' last builds.
     */
    public static CrabstoreConfig defaults() {
        return new CrabstoreConfig(List.of(), List.of(), List.of(), Optional.empty(), Duration.ofHours(1),
                Duration.ofSeconds(30), true, List.of());
    }

    /**
     * The keys one file sets (empty for those it leaves alone).
     *
     * @param origin the file, named in every error
     */
    public record Layer(String origin, Optional<List<String>> substituters, Optional<List<String>> trustedPublicKeys,
            Optional<List<String>> secretKeyFiles, Optional<String> store, Optional<Duration> negativeTtl,
            Optional<Duration> downloadTimeout, Optional<Boolean> keepOutputs, Optional<List<String>> workspaceFiles) {
        /** This layer with {@code f} applied to each path it names (secret key files and the store). */
        public Layer mapPaths(java.util.function.UnaryOperator<String> f) {
            return new Layer(origin, substituters, trustedPublicKeys,
                    secretKeyFiles.map(l -> l.stream().map(f).toList()), store.map(f), negativeTtl, downloadTimeout,
                    keepOutputs, workspaceFiles);
        }
    }

    /**
     * Parses the TOML {@code text} of one config file. Not TOML, an unknown key, a value of the wrong type or a
     * malformed public key is an {@link InvalidFormatException} naming {@code origin} and the key.
     */
    public static Layer parse(String text, String origin) {
        JsonNode root;
        try {
            root = TomlMapper.builder().build().readTree(text);
        } catch (JacksonException e) {
            throw new InvalidFormatException(origin + ": not valid TOML: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new Layer(origin, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!KEYS.contains(e.getKey())) {
                throw new InvalidFormatException(origin + ": unknown setting '" + e.getKey() + "' (known: "
                        + String.join(", ", KEYS) + ")");
            }
        }
        Optional<List<String>> keys = Optional.ofNullable(root.get(TRUSTED_PUBLIC_KEYS))
                .map(n -> strings(n, TRUSTED_PUBLIC_KEYS, origin));
        keys.ifPresent(l -> l.forEach(k -> checkKey(k, origin)));
        Optional<String> store = Optional.ofNullable(root.get(STORE)).map(n -> {
            if (!n.isString() || n.asString().isBlank()) {
                throw wrongType(origin, STORE, "a directory (a non-empty string)", n);
            }
            return n.asString();
        });
        Optional<Duration> ttl = Optional.ofNullable(root.get(NEGATIVE_TTL)).map(n -> {
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
                throw wrongType(origin, NEGATIVE_TTL, "a whole number of seconds >= 0", n);
            }
            return Duration.ofSeconds(n.asLong());
        });
        Optional<Duration> timeout = Optional.ofNullable(root.get(DOWNLOAD_TIMEOUT)).map(n -> {
            if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > 86_400) {
                throw wrongType(origin, DOWNLOAD_TIMEOUT, "a whole number of seconds from 1 to 86400", n);
            }
            return Duration.ofSeconds(n.asLong());
        });
        Optional<Boolean> keepOutputs = Optional.ofNullable(root.get(KEEP_OUTPUTS)).map(n -> {
            if (!n.isBoolean()) {
                throw wrongType(origin, KEEP_OUTPUTS, "true or false", n);
            }
            return n.asBoolean();
        });
        Optional<List<String>> workspaceFiles = Optional.ofNullable(root.get(WORKSPACE_FILES)).map(n -> {
            List<String> l = strings(n, WORKSPACE_FILES, origin);
            for (String f : l) {
                java.nio.file.Path p = java.nio.file.Path.of(f).normalize();
                if (f.isBlank() || p.isAbsolute() || p.startsWith("..") || p.toString().isEmpty()) {
                    throw wrongType(origin, WORKSPACE_FILES, "paths inside the workspace, relative to its root", n);
                }
            }
            return l;
        });
        return new Layer(origin, Optional.ofNullable(root.get(SUBSTITUTERS)).map(n -> strings(n, SUBSTITUTERS, origin)),
                keys, Optional.ofNullable(root.get(SECRET_KEY_FILES)).map(n -> strings(n, SECRET_KEY_FILES, origin)),
                store, ttl, timeout, keepOutputs, workspaceFiles);
    }

    /** These settings with the keys {@code layer} sets replaced. */
    public CrabstoreConfig with(Layer layer) {
        return new CrabstoreConfig(layer.substituters().orElse(substituters),
                layer.trustedPublicKeys().orElse(trustedPublicKeys), layer.secretKeyFiles().orElse(secretKeyFiles),
                layer.store().or(() -> store), layer.negativeTtl().orElse(negativeTtl),
                layer.downloadTimeout().orElse(downloadTimeout), layer.keepOutputs().orElse(keepOutputs),
                layer.workspaceFiles().orElse(workspaceFiles));
    }

    /** These settings with the {@code CRABSTORE_*} variables that are set (even to "") replacing their keys. */
    public CrabstoreConfig withEnvironment(Map<String, String> env) {
        Optional<List<String>> keys = words(env.get("CRABSTORE_TRUSTED_PUBLIC_KEYS"));
        keys.ifPresent(l -> l.forEach(k -> checkKey(k, "CRABSTORE_TRUSTED_PUBLIC_KEYS")));
        return new CrabstoreConfig(words(env.get("CRABSTORE_SUBSTITUTERS")).orElse(substituters),
                keys.orElse(trustedPublicKeys), words(env.get("CRABSTORE_SECRET_KEY_FILES")).orElse(secretKeyFiles),
                store, negativeTtl, downloadTimeout, keepOutputs, workspaceFiles);
    }

    public CrabstoreConfig withSubstituters(List<String> urls) {
        return new CrabstoreConfig(urls, trustedPublicKeys, secretKeyFiles, store, negativeTtl, downloadTimeout,
                keepOutputs, workspaceFiles);
    }

    /** These settings trusting {@code keys} instead (each checked; {@code origin} names them in errors). */
    public CrabstoreConfig withTrustedPublicKeys(List<String> keys, String origin) {
        keys.forEach(k -> checkKey(k, origin));
        return new CrabstoreConfig(substituters, keys, secretKeyFiles, store, negativeTtl, downloadTimeout,
                keepOutputs, workspaceFiles);
    }

    /** A space-separated list (as the environment and the command line give them), or empty for null. */
    public static Optional<List<String>> words(String value) {
        if (value == null) {
            return Optional.empty();
        }
        return Optional.of(Arrays.stream(value.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList());
    }

    private static void checkKey(String key, String origin) {
        try {
            PublicKey.parse(key);
        } catch (CrabstoreException e) {
            throw new InvalidFormatException(origin + ": '" + TRUSTED_PUBLIC_KEYS + "' holds '" + key
                    + "', which is not a public key (name:base64 of 32 bytes): " + e.getMessage());
        }
    }

    private static InvalidFormatException wrongType(String origin, String key, String want, JsonNode found) {
        return new InvalidFormatException(origin + ": '" + key + "' must be " + want + ", found " + found);
    }

    /** A list of strings; a single string is taken as a space-separated list, as Nix's own config allows. */
    private static List<String> strings(JsonNode n, String key, String origin) {
        if (n.isString()) {
            return words(n.asString()).orElseThrow();
        }
        if (!n.isArray()) {
            throw wrongType(origin, key, "a list of strings", n);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : n) {
            if (!x.isString()) {
                throw wrongType(origin, key, "a list of strings", x);
            }
            out.add(x.asString());
        }
        return List.copyOf(out);
    }
}
