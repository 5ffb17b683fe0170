package dev.crabstore.store.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.testkit.NixOracle;
import dev.crabstore.testkit.TestTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StoreOptimiser} against {@code nix store optimise} on the same trees: the same {@code .links} entries. */
class StoreOptimiserNixTest {
    @TempDir
    Path dir;

    Path tree(String name, boolean execX, boolean withEmpty) throws Exception {
        Path t = Files.createDirectories(dir.resolve(name + "/sub/deeper"));
        Files.writeString(t.getParent().getParent().resolve("a.txt"), "hello\n");
        Files.write(t.resolve("b.bin"), random(3000, 7));
        Path x = Files.writeString(t.getParent().resolve("x"), "#!/bin/sh\necho x\n");
        x.toFile().setExecutable(execX);
        Files.writeString(t.resolve(name + "-only"), name);
        if (withEmpty) {
            Files.createFile(t.resolve("empty"));
        }
        return t.getParent().getParent();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    static Set<String> names(Path links) throws Exception {
        try (var s = Files.list(links)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void theLinksAreThoseNixMakes() throws Exception {
        List<Path> trees = List.of(tree("t1", true, false), tree("t2", false, true), tree("t3", true, false),
                TestTrees.edgeCases(dir.resolve("edge")));
        NixOracle nix = NixOracle.create(dir.resolve("nix"));
        for (Path t : trees) {
            nix.runOk("nix", "store", "add-path", "--store", nix.localStore(), t.toString());
        }
        String said = nix.run("nix", "store", "optimise", "--store", nix.localStore()).assertOk().stderrText();
        Matcher m = Pattern.compile("hard-linking (\\d+) files").matcher(said);
        assertTrue(m.find(), said);

        try (LocalStore store = LocalStore.open(new StoreHome(dir.resolve("home"), StoreDir.DEFAULT),
                Clock.systemUTC())) {
            for (Path t : trees) {
                store.addPath(t, t.getFileName().toString(), p -> true);
            }
            StoreOptimiser.Result r = StoreOptimiser.optimise(store, false, w -> {
                throw new AssertionError(w);
            });
            Set<String> ours = names(StoreOptimiser.linksDir(store.home()));
            Set<String> theirs = names(nix.localStoreRealDir().resolve(".links"));
            // Nix also links empty files; crabstore leaves them alone (see StoreOptimiser).
            Set<String> emptyFiles = new TreeSet<>();
            Path e = Files.createFile(dir.resolve("an-empty-file"));
            emptyFiles.add(nix.runOkText("nix-hash", "--type", "sha256", "--base32", e.toString()));
            theirs.removeAll(emptyFiles);
            assertEquals(theirs, ours);
            long emptyLinkedByNix = countEmptyFiles(nix.localStoreRealDir()) - 1;
            assertEquals(Long.parseLong(m.group(1)) - Math.max(0, emptyLinkedByNix), r.filesLinked(), said);
            for (StorePath p : store.database().allValidPaths()) {
                assertEquals(store.query(p).orElseThrow().narHash(), dev.crabstore.store.nar.NarDumper.digest(
                        store.realPath(p)).narHash());
            }
        }
    }

    private static long countEmptyFiles(Path storeDir) throws Exception {
        try (var s = Files.walk(storeDir)) {
            return s.filter(p -> !p.startsWith(storeDir.resolve(".links")) && Files.isRegularFile(p)
                    && p.toFile().length() == 0).count();
        }
    }
}
