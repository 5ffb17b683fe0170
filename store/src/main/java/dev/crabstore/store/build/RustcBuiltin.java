package dev.crabstore.store.build;

import dev.crabstore.planner.derive.UnitDerivationPlanner;
import dev.crabstore.planner.unit.RuntimeFlags;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.sandbox.ProcessOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code builtin:rustc}: runs the toolchain's rustc in the sandbox with the derivation's argv, plus the runtime part
 * from the build scripts named in its env ({@link RuntimeFlags}, the same rules the planner uses), writing into
 * {@code $out}. rustc's stderr (JSON diagnostics, and any plain lines) goes to the job's diagnostics, not its log.
 */
public final class RustcBuiltin implements Builtin {
    /**
     * How the message of a failed compilation begins; its first line names the unit and counts (as cargo's), the
     * rest is rustc's rendered diagnostics.
     */
    public static final String COULD_NOT_COMPILE = "could not compile ";
    private final RustToolchainId toolchain;

    public RustcBuiltin(RustToolchainId toolchain) {
        this.toolchain = toolchain;
    }
    @Override
    public String name() {
        return "rustc";
    }

    @Override
    public void build(BuildJob job) {
        RustBuild.checkToolchain(job, toolchain);
        RustBuild.linkSources(job);
        String ownRun = RustBuild.control(job, UnitDerivationPlanner.ENV_OWN_RUN);
        List<RuntimeFlags.Run> runs = new ArrayList<>();
        for (String r : RustBuild.control(job, UnitDerivationPlanner.ENV_LINK_SEARCH_RUNS).split(" ")) {
            if (!r.isEmpty()) {
                runs.add(new RuntimeFlags.Run(r + "/out", RustBuild.scriptOutput(job, r)));
            }
        }
        RuntimeFlags.Run own = ownRun.isEmpty() ? null
                : new RuntimeFlags.Run(ownRun + "/out", RustBuild.scriptOutput(job, ownRun));
        Set<String> scopes = new TreeSet<>(Arrays.asList(
                RustBuild.control(job, UnitDerivationPlanner.ENV_LINK_ARG_SCOPES).split(" ")));
        RuntimeFlags.Parts runtime = RuntimeFlags.of(runs, own,
                !RustBuild.control(job, UnitDerivationPlanner.ENV_LINK_LIBS).isEmpty(), scopes);
        List<String> argv = new ArrayList<>();
        argv.add(RustBuild.TOOLCHAIN + "/bin/rustc");
        job.drv().args().forEach(a -> argv.add(RustBuild.resolve(job, a)));
        argv.addAll(runtime.args());
        for (String remap : RustBuild.control(job, UnitDerivationPlanner.ENV_REMAP).split(" ")) {
            if (!remap.isEmpty()) {
                argv.add("--remap-path-prefix");
                argv.add(remap);
            }
        }
        Map<String, String> env = RustBuild.processEnv(job);
        env.putAll(runtime.env());
        try {
            Files.createDirectories(job.outputs().get("out"));
        } catch (IOException e) {
            throw new StoreIOException("cannot create the output of " + job.drvPath().baseName(), e);
        }
        ProcessOutcome r = job.sandbox().run(argv, env, RustBuild.control(job, UnitDerivationPlanner.ENV_CWD));
        Diagnostics diagnostics = Diagnostics.parse(r.stderrText());
        job.diagnostics().addAll(diagnostics.all());
        if (!r.succeeded()) {
            throw new BuildFailedException(COULD_NOT_COMPILE + "`" + RustBuild.control(job,
                    UnitDerivationPlanner.ENV_PACKAGE) + "` (" + job.drv().name() + ")" + diagnostics.failureCounts()
                    + (r.timedOut() ? ": timed out" : "") + "\n" + diagnostics.rendered());
        }
    }

}
