package dev.crabstore.store.local;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.store.config.ConfigFiles;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where a local store keeps its state. The logical store dir (what every path and hash refers to) and the physical
 * directory holding the files may differ, so that a user without root can have a store; builds see the physical
 * store mounted at the logical path.
 *
 * <pre>
 * &lt;root&gt;/store/&lt;hash&gt;-&lt;name&gt;   the store paths
 * &lt;root&gt;/var/db/db.sqlite        valid paths, references, derivers
 * &lt;root&gt;/var/tmp/                 build and unpack dirs (same file system as store/, for atomic renames)
 * &lt;root&gt;/var/locks/               per-output lock files
 * &lt;root&gt;/var/gcroots/             GC roots (links to store paths)
 * &lt;root&gt;/var/serve/               crabstore serve: NAR cache, pushed files (store.serve.CacheContents)
 * &lt;root&gt;/var/log/                 rustc's diagnostics of each unit built with any (store.build.DiagnosticLogs)
 * </pre>
 */
public record StoreHome(Path root, StoreDir storeDir) {
    public StoreHome {
        root = root.toAbsolutePath().normalize();
    }

    /**
     * {@code CRABSTORE_HOME}, else the {@code store} key of the user's {@code crabstore/config.toml}, else
     * {@code $XDG_DATA_HOME/crabstore}, else {@code ~/.local/share/crabstore}; the logical store dir from
     * {@code CRABSTORE_STORE_DIR}, else {@code /crabstore/store}.
     */
    public static StoreHome fromEnvironment(Map<String, String> env) {
        String home = env.get("CRABSTORE_HOME");
        Path root;
        Optional<Path> configured;
        if (home != null && !home.isEmpty()) {
            root = Path.of(home);
        } else if ((configured = ConfigFiles.userStore(env)).isPresent()) {
            root = configured.get();
        } else if (env.get("XDG_DATA_HOME") != null && !env.get("XDG_DATA_HOME").isEmpty()) {
            root = Path.of(env.get("XDG_DATA_HOME"), "crabstore");
        } else {
            root = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local/share/crabstore");
        }
        String sd = env.get("CRABSTORE_STORE_DIR");
        return new StoreHome(root, sd == null || sd.isEmpty() ? StoreDir.DEFAULT : new StoreDir(sd));
    }

    public Path realStoreDir() {
        return root.resolve("store");
    }

    public Path databaseFile() {
        return root.resolve("var/db/db.sqlite");
    }

    /** rustc's diagnostics of the derivations built here, by derivation ({@code store.build.DiagnosticLogs}). */
    public Path logDir() {
        return root.resolve("var/log");
    }

    public Path tempDir() {
        return root.resolve("var/tmp");
    }

    public Path locksDir() {
        return root.resolve("var/locks");
    }

    public Path gcRootsDir() {
        return root.resolve("var/gcroots");
    }
}
