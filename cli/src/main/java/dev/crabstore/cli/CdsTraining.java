package dev.crabstore.cli;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.local.Canonicaliser;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.serve.CacheContents;
import dev.crabstore.store.serve.CacheServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Not a command: the training run of the class-data-sharing archive the launcher makes once per build of the jar
 * ({@code -XX:ArchiveClassesAtExit}). One JVM loads what the common commands load: a plan of the workspace given
 * (picocli, Jackson, SQLite, the planner), then a {@code copy --from} of a small path from an in-process
 * {@link CacheServer} (HTTP on both sides, zstd, signing and verifying narinfos, restoring into a store). A copy
 * from a cache starts about 0.3 s sooner with these classes in the archive than with a plan's alone. Exits with the
 * plan's exit code: without a plan there is no archive worth keeping.
 */
final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("crabstore-cds-training-");
        int code;
        try {
            code = train(Path.of(args[0]), tmp).plan();
        } finally {
            Canonicaliser.deleteTree(tmp);
        }
        System.exit(code);
    }

    /** The exit codes of the two parts of a training run. */
    record Outcome(int plan, int copy) {}

    /** Plans {@code workspace}, then copies a path from an in-process server; everything it writes is under {@code tmp}. */
    static Outcome train(Path workspace, Path tmp) {
        int plan = Main.run(quietContext(tmp.resolve("plan")), "plan", "--dir", workspace.toString(), "--offline");
        int copy;
        try {
            copy = copyFromServe(tmp);
        } catch (RuntimeException | java.io.IOException e) {
            // The plan's classes are the archive's main use; a copy that fails only makes it smaller.
            copy = -1;
        }
        return new Outcome(plan, copy);
    }

    private static CliContext quietContext(Path home, String... extraEnv) {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        return new CliContext(InputStream.nullInputStream(), quiet, quiet, env(home, extraEnv));
    }

    /** This process's environment with its own store home (and more variables, as name, value pairs). */
    private static Map<String, String> env(Path home, String... extra) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("CRABSTORE_HOME", home.toString());
        for (int i = 0; i + 1 < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    private static int copyFromServe(Path tmp) throws java.io.IOException {
        SecretKey key = SecretKey.generate("cds-training-1", new SecureRandom());
        Path tree = Files.createDirectories(tmp.resolve("tree/sub"));
        Files.writeString(tree.resolve("file"), "a file to serve\n");
        Files.writeString(tree.resolveSibling("top"), "another\n");
        try (LocalStore served = LocalStore.open(StoreHome.fromEnvironment(env(tmp.resolve("served"))),
                Clock.systemUTC())) {
            StorePath p = served.addPath(tree.getParent(), "cds-training", x -> true);
            try (CacheServer server = CacheServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    CacheContents.forStore(served, Optional.of(key), Compression.ZSTD), Optional.empty(),
                    Optional.empty(), message -> { })) {
                return Main.run(quietContext(tmp.resolve("copy"), "CRABSTORE_TRUSTED_PUBLIC_KEYS",
                        key.toPublicKey().toString()), "copy", "--from", server.url(), served.storeDir().print(p));
            }
        }
    }
}
