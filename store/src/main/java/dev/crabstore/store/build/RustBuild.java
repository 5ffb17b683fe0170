package dev.crabstore.store.build;

import dev.crabstore.core.drv.OutputPaths;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.UnitDerivationPlanner;
import dev.crabstore.planner.unit.BuildScriptOutput;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What the rustc and build-script builtins share: the process environment, source links, script outputs. */
final class RustBuild {
    /** Where the Rust toolchain is mounted in every sandbox. */
    static final String TOOLCHAIN = "/crabstore/toolchain";
    private static final Set<String> BOOKKEEPING = Set.of("out", "name", "system", "builder");

    private RustBuild() {}

    static String outPath(BuildJob job) {
        return job.store().storeDir().print(job.drv().outputPaths().get("out"));
    }

    /** The derivation's env for the process: control variables dropped, the output placeholder resolved. */
    static Map<String, String> processEnv(BuildJob job) {
        String placeholder = OutputPaths.hashPlaceholder("out");
        String out = outPath(job);
        Map<String, String> env = new TreeMap<>();
        env.put("PATH", TOOLCHAIN + "/bin:/usr/bin:/bin");
        env.put("HOME", "/homeless-shelter");
        env.put("TMPDIR", "/tmp");
        env.put("SOURCE_DATE_EPOCH", "1");
        job.drv().env().forEach((k, v) -> {
            if (!k.startsWith("crabstore") && !BOOKKEEPING.contains(k)) {
                env.put(k, v.replace(placeholder, out));
            }
        });
        return env;
    }

    static String resolve(BuildJob job, String s) {
        return s.replace(OutputPaths.hashPlaceholder("out"), outPath(job));
    }

    static String control(BuildJob job, String key) {
        return job.drv().env().getOrDefault(key, "");
    }

    /**
     * Refuses to run a unit planned for another toolchain: its derivation names the toolchain's identity, and the
     * toolchain mounted in the sandbox must be that one (else the output would not be what the hash promises).
     */
    static void checkToolchain(BuildJob job, RustToolchainId mounted) {
        String wanted = control(job, UnitDerivationPlanner.ENV_TOOLCHAIN);
        if (!wanted.equals(mounted.identity())) {
            throw new BuildFailedException(job.drvPath().baseName() + " was planned for Rust toolchain " + wanted
                    + ", but this machine's is " + mounted.identity() + " (" + mounted.description() + "); plan it "
                    + "again with this toolchain, or substitute it from a cache");
        }
    }

    /** Links the package's source where the sandbox expects it (e.g. /build/ws/member → its store path). */
    static void linkSources(BuildJob job) {
        String spec = control(job, UnitDerivationPlanner.ENV_SYMLINKS);
        if (spec.isEmpty()) {
            return;
        }
        for (String entry : spec.split("\n")) {
            int eq = entry.indexOf('=');
            String link = entry.substring(0, eq);
            String target = entry.substring(eq + 1);
            if (!link.startsWith("/build/")) {
                throw new BuildFailedException("invalid source link '" + link + "' in " + job.drvPath().baseName());
            }
            Path host = job.buildDir().resolve(link.substring("/build/".length()));
            try {
                Files.createDirectories(host.getParent());
                Files.createSymbolicLink(host, Path.of(target));
            } catch (IOException e) {
                throw new StoreIOException("cannot link " + link + " for " + job.drvPath().baseName(), e);
            }
        }
    }

    /** The parsed stdout of the build script whose run output is {@code runOut} (a logical store path). */
    static BuildScriptOutput scriptOutput(BuildJob job, String runOut) {
        StoreDir sd = job.store().storeDir();
        StorePath p = sd.parsePath(runOut);
        try {
            String text = Files.readString(job.input(p).resolve("output"), StandardCharsets.UTF_8);
            return BuildScriptOutput.parse(text, p.name());
        } catch (IOException e) {
            throw new StoreIOException("cannot read the build script output " + runOut, e);
        }
    }
}
