package dev.crabstore.planner.buildplan;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of a legacy build plan's {@code invocations}, as cargo 1.28–1.92 serialized it ({@code build_plan.rs}):
 * one per unit, in job-queue order. {@code kind} is null for the host, else the target triple; {@code deps} are
 * indices of invocations that must finish first; {@code links} maps each uplifted path to the output it links to;
 * {@code cwd} may be null.
 */
public record BuildPlanInvocation(String packageName, String packageVersion, List<String> targetKind, String kind,
        String compileMode, List<Integer> deps, List<String> outputs, Map<String, String> links, String program,
        List<String> args, Map<String, String> env, String cwd) {
    public BuildPlanInvocation {
        Objects.requireNonNull(packageName, "packageName");
        Objects.requireNonNull(packageVersion, "packageVersion");
        Objects.requireNonNull(compileMode, "compileMode");
        Objects.requireNonNull(program, "program");
        targetKind = List.copyOf(targetKind);
        deps = List.copyOf(deps);
        outputs = List.copyOf(outputs);
        links = Map.copyOf(links);
        args = List.copyOf(args);
        env = Map.copyOf(env);
    }

    public boolean isRunCustomBuild() {
        return compileMode.equals("run-custom-build");
    }

    public boolean isCustomBuild() {
        return targetKind.contains("custom-build");
    }
}
