package dev.crabstore.store.config;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.planner.config.CrabstoreConfig;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where crabstore's config files are and what they say: the user's {@code $XDG_CONFIG_HOME/crabstore/config.toml}
 * (default {@code ~/.config/crabstore/config.toml}), then the workspace's {@code .crabstore.toml}, then the
 * environment. A file that does not exist sets nothing. Relative paths in a file ({@code secret-key-files},
 * {@code store}) are taken relative to the file's directory.
 *
 * <p>A project file cannot set {@code store}: every command finds the store before (or without) a workspace, so
 * the store home is the user's choice ({@code CRABSTORE_HOME} or the user's file).
 */
public final class ConfigFiles {
    /** The name of a project's config file, at the workspace root. */
    public static final String PROJECT_FILE = ".crabstore.toml";

    private ConfigFiles() {}

    /** The user's config file (which may not exist). */
    public static Path userFile(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "crabstore", "config.toml");
        }
        return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config", "crabstore",
                "config.toml");
    }

    /** The user's file, the project's (when {@code workspace} is not null), then the environment. */
    public static CrabstoreConfig load(Map<String, String> env, Path workspace) {
        CrabstoreConfig c = CrabstoreConfig.defaults();
        Optional<CrabstoreConfig.Layer> user = read(userFile(env));
        if (user.isPresent()) {
            if (user.get().workspaceFiles().isPresent()) {
                throw new InvalidFormatException(user.get().origin() + ": '" + CrabstoreConfig.WORKSPACE_FILES
                        + "' is about one workspace: set it in its " + PROJECT_FILE);
            }
            c = c.with(user.get());
        }
        if (workspace != null) {
            Optional<CrabstoreConfig.Layer> project = read(workspace.resolve(PROJECT_FILE));
            if (project.isPresent()) {
                userOnly(project.get(), project.get().store(), CrabstoreConfig.STORE, env,
                        "or with CRABSTORE_HOME (the store home is found before the workspace)");
                userOnly(project.get(), project.get().keepOutputs(), CrabstoreConfig.KEEP_OUTPUTS, env,
                        "or with gc --[no-]keep-outputs (gc collects the whole store, for no workspace)");
                c = c.with(project.get());
            }
        }
        return c.withEnvironment(env);
    }

    /** Refuses a key a project file sets that only the user's file (or {@code alternative}) may set. */
    private static void userOnly(CrabstoreConfig.Layer project, Optional<?> value, String key, Map<String, String> env,
            String alternative) {
        if (value.isPresent()) {
            throw new InvalidFormatException(project.origin() + ": '" + key + "' can only be set in " + userFile(env)
                    + " " + alternative);
        }
    }

    /** The {@code store} key of the user's file, if it sets one. */
    public static Optional<Path> userStore(Map<String, String> env) {
        return read(userFile(env)).flatMap(CrabstoreConfig.Layer::store).map(Path::of);
    }

    /** The keys {@code file} sets, relative paths resolved against its directory; empty when it does not exist. */
    public static Optional<CrabstoreConfig.Layer> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new StoreIOException("cannot read the config file " + file, e);
        }
        Path dir = file.toAbsolutePath().getParent();
        return Optional.of(CrabstoreConfig.parse(text, file.toString()).mapPaths(p -> dir.resolve(p).toString()));
    }
}
