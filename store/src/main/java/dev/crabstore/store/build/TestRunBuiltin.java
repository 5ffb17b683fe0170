package dev.crabstore.store.build;

import dev.crabstore.planner.derive.TestRunPlanner;
import dev.crabstore.planner.derive.UnitDerivationPlanner;
import dev.crabstore.planner.unit.BuildScriptOutput;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.sandbox.ProcessOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code builtin:test-run}: runs a test harness in the sandbox as {@code cargo test} does (in its package's root, with
 * cargo's run-time environment and the own build script's {@code rustc-env}; dylib crates, native libraries that
 * build scripts put in their OUT_DIR and the toolchain's lib on {@code LD_LIBRARY_PATH}), with the derivation's args. The output is the
 * report: {@code stdout}, {@code stderr} and {@code report.json} (exit code and libtest's counts). A harness that
 * fails (non-zero exit) fails the build with its output, so a failure is never registered: only passing runs are
 * kept and reused.
 */
public final class TestRunBuiltin implements Builtin {
    private final RustToolchainId toolchain;

    public TestRunBuiltin(RustToolchainId toolchain) {
        this.toolchain = toolchain;
    }

    @Override
    public String name() {
        return "test-run";
    }

    @Override
    public void build(BuildJob job) {
        RustBuild.checkToolchain(job, toolchain);
        RustBuild.linkSources(job);
        Map<String, String> env = RustBuild.processEnv(job);
        String own = RustBuild.control(job, UnitDerivationPlanner.ENV_OWN_RUN);
        if (!own.isEmpty()) {
            RustBuild.scriptOutput(job, own).env().forEach(e -> env.put(e.getKey(), e.getValue()));
        }
        env.put("LD_LIBRARY_PATH", String.join(":", libraryPath(job)));
        List<String> argv = new ArrayList<>();
        argv.add(RustBuild.control(job, TestRunPlanner.ENV_PROGRAM));
        argv.addAll(job.drv().args());
        ProcessOutcome r = job.sandbox().run(argv, env, RustBuild.control(job, UnitDerivationPlanner.ENV_CWD));
        Path out = job.outputs().get("out");
        String stdout = r.stdoutText();
        try {
            Files.createDirectories(out);
            Files.write(out.resolve("stdout"), r.stdout());
            Files.write(out.resolve("stderr"), r.stderr());
            Files.writeString(out.resolve("report.json"), TestReport.json(r.exitCode(), LibtestSummary.parse(stdout)),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreIOException("cannot write the report of " + job.drvPath().baseName(), e);
        }
        if (!r.succeeded()) {
            throw new TestsFailedException(r.timedOut() ? "timed out" : "exit code " + r.exitCode(), stdout,
                    r.stderrText());
        }
    }

    /**
     * The outputs of the dylib crates the harness links (cargo's deps dir), the native library dirs inside build
     * scripts' OUT_DIRs (as cargo adds those inside its target dir), then the toolchain's libraries for the target and
     * its own lib.
     */
    private static List<String> libraryPath(BuildJob job) {
        Set<String> dirs = new LinkedHashSet<>();
        for (String d : RustBuild.control(job, TestRunPlanner.ENV_DYLIB_DIRS).split(" ")) {
            if (!d.isEmpty()) {
                dirs.add(d);
            }
        }
        for (String run : RustBuild.control(job, UnitDerivationPlanner.ENV_LINK_SEARCH_RUNS).split(" ")) {
            if (run.isEmpty()) {
                continue;
            }
            BuildScriptOutput o = RustBuild.scriptOutput(job, run);
            for (String s : o.linkSearch()) {
                String path = s.contains("=") ? s.substring(s.indexOf('=') + 1) : s;
                if (path.startsWith(run + "/")) {
                    dirs.add(path);
                }
            }
        }
        String libdir = RustBuild.control(job, TestRunPlanner.ENV_TARGET_LIBDIR);
        if (libdir.startsWith("/") || libdir.contains("..")) {
            throw new BuildFailedException("invalid toolchain library dir '" + libdir + "' in " + job.drvPath().baseName());
        }
        if (!libdir.isEmpty()) {
            dirs.add(RustBuild.TOOLCHAIN + "/" + libdir);
        }
        dirs.add(RustBuild.TOOLCHAIN + "/lib");
        return new ArrayList<>(dirs);
    }
}
