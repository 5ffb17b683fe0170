package dev.crabstore.store.build;

import dev.crabstore.planner.derive.UnitDerivationPlanner;
import dev.crabstore.planner.unit.BuildScriptOutput;
import dev.crabstore.planner.unit.InvocationPlanner;
import dev.crabstore.planner.unit.UnitGraphException;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.sandbox.ProcessOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code builtin:build-script-run}: runs a compiled build script as cargo does (cargo-mechanics §3.2): in the
 * package's directory, with {@code OUT_DIR = $out/out} fresh and empty, the derivation's environment plus
 * {@code DEP_<links>_<key>} from the dependencies' scripts. Its stdout is kept as {@code $out/output} (parsed by
 * the units that use it), stderr as {@code $out/stderr}.
 */
public final class BuildScriptRunBuiltin implements Builtin {
    private final RustToolchainId toolchain;

    public BuildScriptRunBuiltin(RustToolchainId toolchain) {
        this.toolchain = toolchain;
    }
    @Override
    public String name() {
        return "build-script-run";
    }

    @Override
    public void build(BuildJob job) {
        RustBuild.checkToolchain(job, toolchain);
        RustBuild.linkSources(job);
        Path out = job.outputs().get("out");
        try {
            Files.createDirectories(out.resolve("out"));
        } catch (IOException e) {
            throw new StoreIOException("cannot create OUT_DIR for " + job.drvPath().baseName(), e);
        }
        Map<String, String> env = RustBuild.processEnv(job);
        for (String entry : RustBuild.control(job, UnitDerivationPlanner.ENV_LINKS_RUNS).split(" ")) {
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            env.putAll(InvocationPlanner.depEnv(entry.substring(0, eq),
                    RustBuild.scriptOutput(job, entry.substring(eq + 1))));
        }
        String program = RustBuild.control(job, UnitDerivationPlanner.ENV_PROGRAM);
        ProcessOutcome r = job.sandbox().run(List.of(program), env,
                RustBuild.control(job, UnitDerivationPlanner.ENV_CWD));
        String pkg = RustBuild.control(job, UnitDerivationPlanner.ENV_PACKAGE);
        try {
            Files.write(out.resolve("output"), r.stdout());
            Files.write(out.resolve("stderr"), r.stderr());
        } catch (IOException e) {
            throw new StoreIOException("cannot save the output of the build script of " + pkg, e);
        }
        if (!r.succeeded()) {
            throw new BuildFailedException("failed to run custom build command for `" + pkg + "`"
                    + (r.timedOut() ? " (timed out)" : "") + "\n\n--- stdout\n" + r.stdoutText() + "\n--- stderr\n"
                    + r.stderrText());
        }
        BuildScriptOutput parsed;
        try {
            parsed = BuildScriptOutput.parse(r.stdoutText(), pkg);
        } catch (UnitGraphException e) {
            throw new BuildFailedException(e.getMessage(), e);
        }
        if (!parsed.errors().isEmpty()) {
            throw new BuildFailedException("the build script of `" + pkg + "` reported errors:\n"
                    + String.join("\n", parsed.errors()));
        }
        String who = pkg.replace(" v", "@"); // cargo's "warning: greet@0.2.0: …"
        // A path package's are shown as cargo shows them, and kept to be shown again while the run is fresh;
        // others' only in the log (-v), as cargo shows them only with -vv.
        boolean local = UnitDerivationPlanner.ofPathPackage(job.drv());
        for (String w : parsed.warnings()) {
            String line = "warning: " + who + ": " + w;
            if (local) {
                job.diagnostics().add(new Diagnostic(null, "", line, line + "\n"));
            } else {
                job.log().append(line).append('\n');
            }
        }
    }
}
