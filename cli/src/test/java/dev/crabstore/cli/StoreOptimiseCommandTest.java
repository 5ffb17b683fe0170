package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code store optimise}: identical files of different store paths end up as one inode, the bytes saved are those
 * of the duplicates (counted here from the files themselves), NAR hashes do not change, and {@code gc} deletes
 * {@code .links} entries no store file uses any more.
 */
class StoreOptimiseCommandTest {
    @TempDir
    Path dir;
    Map<String, String> env;
    Path store;

    @BeforeEach
    void setUp() {
        env = CliRun.envWithHome(dir.resolve("home"));
        store = dir.resolve("home/store");
    }

    CliRun crabstore(String... args) {
        return CliRun.run(new byte[0], env, args);
    }

    Path real(String storePath) {
        return store.resolve(storePath.substring(storePath.lastIndexOf('/') + 1));
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** A tree with the given files (name to contents; names ending in ".sh" are executable). */
    String add(String name, Map<String, byte[]> files) throws Exception {
        Path t = dir.resolve("src/" + name);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path f = t.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
            f.toFile().setExecutable(e.getKey().endsWith(".sh"));
        }
        return crabstore("store", "add", t.toString()).assertOk().out().strip();
    }

    /** Every regular file of the store paths (not .links). */
    List<Path> storeFiles() throws Exception {
        List<Path> out = new ArrayList<>();
        try (var s = Files.walk(store)) {
            s.filter(f -> !f.startsWith(store.resolve(".links")) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                    .forEach(out::add);
        }
        return out;
    }

    /** The bytes deduplication must save, from the files alone: every copy of non-empty contents but one. */
    long expectedSavings() throws Exception {
        Map<String, Integer> copies = new HashMap<>();
        Map<String, Long> sizes = new HashMap<>();
        for (Path f : storeFiles()) {
            byte[] b = Files.readAllBytes(f);
            if (b.length == 0) {
                continue;
            }
            String key = Files.isExecutable(f) + ":" + Arrays.toString(java.security.MessageDigest
                    .getInstance("SHA-256").digest(b));
            copies.merge(key, 1, Integer::sum);
            sizes.put(key, (long) b.length);
        }
        long total = 0;
        for (Map.Entry<String, Integer> e : copies.entrySet()) {
            total += (e.getValue() - 1) * sizes.get(e.getKey());
        }
        return total;
    }

    /**
     * Corrupting a shared inode corrupts every path that shares it: each is reported and repaired (its own fresh
     * tree), and the next optimise finds the entry no longer matches its name and replaces it instead of spreading it.
     */
    @Test
    void aCorruptSharedFileIsRepairedEverywhereAndItsEntryReplaced() throws Exception {
        env.remove("CRABSTORE_SUBSTITUTERS");
        env.remove("CRABSTORE_TRUSTED_PUBLIC_KEYS");
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        byte[] big = bytes(50_000, 3);
        String a = add("a", Map.of("big.bin", big));
        String b = add("b", Map.of("again.bin", big));
        String cache = "file://" + dir.resolve("cache");
        crabstore("copy", "--to", cache, a, b).assertOk();
        assertEquals(big.length + " bytes saved", crabstore("store", "optimise").assertOk().out().strip());
        StoreRepairCommandTest.flipAByte(real(a).resolve("big.bin"));
        CliRun found = crabstore("store", "verify", "--check-contents");
        assertTrue(found.out().contains("corrupt: " + a) && found.out().contains("corrupt: " + b), found.out());
        crabstore("store", "verify", "--check-contents", "--repair", "--substituters", cache).assertOk();
        assertNotEquals(inode(real(a).resolve("big.bin")), inode(real(b).resolve("again.bin")));
        CliRun again = crabstore("store", "optimise").assertOk();
        assertTrue(again.stderr().contains("warning: removing corrupted link "), again.stderr());
        assertEquals(big.length + " bytes saved", again.out().strip());
        assertEquals(inode(real(a).resolve("big.bin")), inode(real(b).resolve("again.bin")));
        assertTrue(Arrays.equals(big, Files.readAllBytes(real(b).resolve("again.bin"))));
        crabstore("store", "verify", "--check-contents").assertOk();
    }

    static Object inode(Path f) throws Exception {
        return Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    static int nlink(Path f) throws Exception {
        return (Integer) Files.getAttribute(f, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void duplicatesBecomeOneInodeAndGcDropsUnusedLinks() throws Exception {
        byte[] big = bytes(100_000, 1);
        byte[] medium = bytes(5_000, 2);
        byte[] script = "#!/bin/sh\necho same\n".getBytes();
        String a = add("a", Map.of("big.bin", big, "lib/medium.bin", medium, "run.sh", script, "empty", new byte[0],
                "only-a.txt", "a".getBytes()));
        String b = add("b", Map.of("copy-of-big.bin", big, "deep/er/medium.bin", medium, "empty", new byte[0],
                "run.sh", script, "only-b.txt", "b".getBytes()));
        // The same bytes without the executable bit are another file (its NAR differs), so it is not shared with run.sh.
        String c = add("c", Map.of("big.bin", big, "run.txt", script));
        Map<String, String> narHashes = new HashMap<>();
        for (String p : List.of(a, b, c)) {
            narHashes.put(p, crabstore("hash", "path", real(p).toString()).assertOk().out().strip());
        }
        long expected = expectedSavings();
        assertEquals(2L * big.length + medium.length + script.length, expected);

        CliRun dry = crabstore("store", "optimise", "--dry-run").assertOk();
        assertEquals(expected + " bytes would be saved", dry.out().strip());
        assertFalse(Files.exists(store.resolve(".links")));
        assertEquals(1, nlink(real(a).resolve("big.bin")));

        CliRun r = crabstore("store", "optimise").assertOk();
        assertEquals(expected + " bytes saved", r.out().strip());
        assertTrue(r.stderr().contains("3 store paths, 10 files: 4 replaced by hard links"), r.stderr());
        Object bigInode = inode(real(a).resolve("big.bin"));
        assertEquals(bigInode, inode(real(b).resolve("copy-of-big.bin")));
        assertEquals(bigInode, inode(real(c).resolve("big.bin")));
        assertEquals(4, nlink(real(a).resolve("big.bin"))); // three paths and the .links entry
        assertEquals(inode(real(a).resolve("lib/medium.bin")), inode(real(b).resolve("deep/er/medium.bin")));
        assertEquals(inode(real(a).resolve("run.sh")), inode(real(b).resolve("run.sh")));
        assertNotEquals(inode(real(a).resolve("run.sh")), inode(real(c).resolve("run.txt")));
        assertNotEquals(inode(real(a).resolve("empty")), inode(real(b).resolve("empty")));
        assertEquals(2, nlink(real(a).resolve("only-a.txt"))); // itself and its entry
        // Store files stay read-only with mtime 1, and so do the directories a link was renamed into.
        for (Path f : storeFiles()) {
            assertEquals(1000, Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toMillis(), f.toString());
            assertFalse(Files.getPosixFilePermissions(f).stream().anyMatch(p -> p.name().endsWith("WRITE")));
        }
        Path deep = real(b).resolve("deep/er");
        assertEquals(1000, Files.getLastModifiedTime(deep).toMillis());
        assertEquals("r-xr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(deep)));
        for (String p : List.of(a, b, c)) {
            assertEquals(narHashes.get(p), crabstore("hash", "path", real(p).toString()).assertOk().out().strip());
        }
        assertTrue(crabstore("store", "verify", "--check-contents").assertOk().stderr().contains("no problems"));
        try (var s = Files.list(store)) {
            assertFalse(s.anyMatch(f -> f.getFileName().toString().startsWith(".tmp-link")));
        }

        // Again: nothing left to share.
        assertEquals("0 bytes saved", crabstore("store", "optimise").assertOk().out().strip());

        // gc: keep c; a and b go, and with them the entries only they used (medium, run.sh, only-a, only-b).
        crabstore("store", "add-root", dir.resolve("root-c").toString(), c).assertOk();
        CliRun gc = crabstore("gc").assertOk();
        assertTrue(gc.stderr().contains("4 unused links of store optimise removed"), gc.stderr());
        Set<Object> linked = new HashSet<>();
        try (var s = Files.list(store.resolve(".links"))) {
            for (Path l : s.toList()) {
                linked.add(inode(l));
                assertEquals(2, nlink(l), l.toString());
            }
        }
        assertEquals(Set.of(inode(real(c).resolve("big.bin")), inode(real(c).resolve("run.txt"))), linked);
        crabstore("store", "verify", "--check-contents").assertOk();
    }
}
