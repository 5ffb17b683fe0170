package dev.crabstore.store.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.planner.config.CrabstoreConfig;
import dev.crabstore.store.local.StoreHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user's and the project's config files, read from a real file system. */
class ConfigFilesTest {
    @TempDir
    Path dir;

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", dir.resolve("home").toString());
        return env;
    }

    Path write(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    @Test
    void theUserFileIsUnderXdgConfigHomeElseHome() throws Exception {
        Map<String, String> env = env();
        assertEquals(dir.resolve("home/.config/crabstore/config.toml"), ConfigFiles.userFile(env));
        write(ConfigFiles.userFile(env), "substituters = [\"file:///home-cache\"]\n");
        assertEquals(List.of("file:///home-cache"), ConfigFiles.load(env, null).substituters());
        env.put("XDG_CONFIG_HOME", dir.resolve("xdg").toString());
        assertEquals(dir.resolve("xdg/crabstore/config.toml"), ConfigFiles.userFile(env));
        assertEquals(CrabstoreConfig.defaults(), ConfigFiles.load(env, null), "no file: nothing set");
        env.put("XDG_CONFIG_HOME", "");
        assertEquals(List.of("file:///home-cache"), ConfigFiles.load(env, null).substituters());
    }

    @Test
    void theProjectFileThenTheEnvironmentOverrideTheUserFile() throws Exception {
        Map<String, String> env = env();
        write(ConfigFiles.userFile(env), "substituters = [\"file:///user\"]\nnarinfo-cache-negative-ttl = 7\n"
                + "secret-key-files = [\"keys/user.sec\"]\n");
        Path ws = Files.createDirectories(dir.resolve("ws"));
        write(ws.resolve(".crabstore.toml"), "substituters = [\"file:///project\"]\n"
                + "secret-key-files = [\"project.sec\", \"/abs/other.sec\"]\n");
        CrabstoreConfig c = ConfigFiles.load(env, ws);
        assertEquals(List.of("file:///project"), c.substituters());
        assertEquals(Duration.ofSeconds(7), c.negativeTtl());
        assertEquals(List.of(ws.resolve("project.sec").toString(), "/abs/other.sec"), c.secretKeyFiles(),
                "relative to the file that names them");
        assertEquals(List.of(dir.resolve("home/.config/crabstore/keys/user.sec").toString()),
                ConfigFiles.load(env, null).secretKeyFiles());
        env.put("CRABSTORE_SUBSTITUTERS", "http://a http://b");
        assertEquals(List.of("http://a", "http://b"), ConfigFiles.load(env, ws).substituters());
    }

    @Test
    void aProjectCannotMoveTheStore() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Path file = write(ws.resolve(".crabstore.toml"), "store = \"/tmp/elsewhere\"\n");
        String m = assertThrows(InvalidFormatException.class, () -> ConfigFiles.load(env(), ws)).getMessage();
        assertTrue(m.startsWith(file + ": 'store' can only be set in "), m);
    }

    /** gc reads no workspace, so a project's keep-outputs would do nothing: refused, naming where it can be set. */
    @Test
    void aProjectCannotSetWhatGcKeeps() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Path file = write(ws.resolve(".crabstore.toml"), "keep-outputs = false\n");
        String m = assertThrows(InvalidFormatException.class, () -> ConfigFiles.load(env(), ws)).getMessage();
        assertTrue(m.startsWith(file + ": 'keep-outputs' can only be set in " + ConfigFiles.userFile(env())
                + " or with gc --[no-]keep-outputs"), m);
        write(ConfigFiles.userFile(env()), "keep-outputs = false\n");
        assertFalse(ConfigFiles.load(env(), null).keepOutputs());
    }

    /** workspace-files is about one workspace: only its project file sets it, with paths inside it. */
    @Test
    void workspaceFilesAreAProjectsOwn() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("ws"));
        write(ws.resolve(".crabstore.toml"), "workspace-files = [\"README.md\", \"proto/\"]\n");
        assertEquals(List.of("README.md", "proto/"), ConfigFiles.load(env(), ws).workspaceFiles());
        Path user = write(ConfigFiles.userFile(env()), "workspace-files = [\"README.md\"]\n");
        String m = assertThrows(InvalidFormatException.class, () -> ConfigFiles.load(env(), ws)).getMessage();
        assertTrue(m.startsWith(user + ": 'workspace-files' is about one workspace"), m);
        Files.delete(user);
        Path file = write(ws.resolve(".crabstore.toml"), "workspace-files = [\"../outside\"]\n");
        m = assertThrows(InvalidFormatException.class, () -> ConfigFiles.load(env(), ws)).getMessage();
        assertTrue(m.startsWith(file + ": 'workspace-files' must be paths inside the workspace"), m);
    }

    @Test
    void badFilesAreErrorsNamingThem() throws Exception {
        Map<String, String> env = env();
        Path file = write(ConfigFiles.userFile(env), "trusted-public-keys = 12\n");
        String m = assertThrows(InvalidFormatException.class, () -> ConfigFiles.load(env, null)).getMessage();
        assertTrue(m.startsWith(file + ": 'trusted-public-keys' must be a list of strings"), m);
    }

    @Test
    void theStoreKeyOfTheUserFileIsTheStoreHomeUnlessCrabstoreHomeIsSet() throws Exception {
        Map<String, String> env = env();
        assertEquals(dir.resolve("home/.local/share/crabstore"), StoreHome.fromEnvironment(env).root());
        write(ConfigFiles.userFile(env), "store = \"../../stores/mine\"\n");
        assertEquals(Optional.of(dir.resolve("home/stores/mine")), ConfigFiles.userStore(env).map(Path::normalize));
        assertEquals(dir.resolve("home/stores/mine"), StoreHome.fromEnvironment(env).root());
        env.put("CRABSTORE_HOME", dir.resolve("explicit").toString());
        assertEquals(dir.resolve("explicit"), StoreHome.fromEnvironment(env).root());
    }
}
