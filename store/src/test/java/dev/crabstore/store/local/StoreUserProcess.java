package dev.crabstore.store.local;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * A process using a store, to be killed by a test (run with the test classpath): it opens the store at {@code args[0]},
 * writes a file in a scratch dir as a build would, and puts the tree of {@code args[1]} (a store path base name) in
 * the store under its lock without registering it, as a kill between the rename and the database commit would leave
 * it. Prints the scratch dir and waits on stdin.
 */
public final class StoreUserProcess {
    private StoreUserProcess() {}

    public static void main(String[] args) throws Exception {
        LocalStore store = LocalStore.open(new StoreHome(Path.of(args[0]), StoreDir.DEFAULT), Clock.systemUTC());
        Path scratch = store.newTempDir("build");
        Files.writeString(scratch.resolve("half-built"), "x");
        StorePath p = StorePath.parseBaseName(args[1]);
        PathLocks.PathLock lock = store.locks().lock(p);
        store.protect(p);
        Files.createDirectories(store.realPath(p).resolve("sub"));
        Files.writeString(store.realPath(p).resolve("sub/file"), "not registered");
        System.out.println(scratch);
        System.out.flush();
        System.in.read();
        lock.close();
        store.close();
    }

    /** Starts one with the running JVM and classpath, and returns it once it is ready, with its scratch dir. */
    static Started start(Path home, StorePath p) throws Exception {
        Process proc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), StoreUserProcess.class.getName(), home.toString(),
                p.baseName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(proc.getInputStream())).readLine();
        if (line == null) {
            proc.destroyForcibly();
            throw new AssertionError("the store user died before it was ready");
        }
        return new Started(proc, Path.of(line));
    }

    record Started(Process process, Path scratch) {}
}
