package dev.crabstore.store.cargo;

import dev.crabstore.planner.buildplan.LegacyBuildPlan;
import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Asks cargo for the plan: {@code cargo metadata --format-version 1} and
 * {@code RUSTC_BOOTSTRAP=1 cargo build -Z unstable-options --unit-graph} (or {@code cargo test}) with the user's
 * selection flags; or, with
 * a recorded legacy {@code --build-plan}, only the metadata, the units coming from the plan.
 */
public final class CargoPlanRunner {
    private final String cargo;
    private final Map<String, String> env;

    /** {@code env} is added to the inherited environment (e.g. CARGO_HOME). */
    public CargoPlanRunner(String cargo, Map<String, String> env) {
        this.cargo = cargo;
        this.env = Map.copyOf(env);
    }

    /** The variables of {@code env} that cargo must see when crabstore runs in-process with an injected environment. */
    public static Map<String, String> cargoVariables(Map<String, String> env) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String k : List.of("CARGO_HOME", "CARGO_TARGET_DIR", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN")) {
            String v = env.get(k);
            if (v != null) {
                out.put(k, v);
            }
        }
        return out;
    }

    public CargoPlan plan(Path workspace, CargoSelection selection) {
        List<String> meta = new ArrayList<>(List.of(cargo, "metadata", "--format-version", "1"));
        meta.addAll(selection.metadataFlags());
        List<String> ug = new ArrayList<>(List.of(cargo, selection.command(), "-Z", "unstable-options", "--unit-graph"));
        ug.addAll(selection.flags());
        // Both read the same lockfile and manifests and write nothing (the lockfile exists or --locked is not
        // given... cargo serialises on its own package-cache lock), so they can run at the same time.
        java.util.concurrent.CompletableFuture<String> metadataRun = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> run(workspace, meta));
        String unitGraphJson;
        try {
            unitGraphJson = run(workspace, ug);
        } catch (RuntimeException e) {
            // cargo build's error wins: it knows the selection (-p), which cargo metadata does not, so its message
            // names the selected packages ("the package 'greet' does not contain this feature: nope").
            metadataRun.handle((r, x) -> null).join();
            throw e;
        }
        String metadataJson;
        try {
            metadataJson = metadataRun.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
        return new CargoPlan(UnitGraph.parse(unitGraphJson, "cargo --unit-graph in " + workspace),
                CargoMetadata.parse(metadataJson, "cargo metadata in " + workspace), unitGraphJson, metadataJson);
    }

    /**
     * The plan of a recorded legacy {@code cargo build --build-plan} file: cargo metadata is still asked (with the
     * selection's metadata flags), the units are the plan's ({@link LegacyBuildPlan#toUnitGraph}).
     */
    public CargoPlan planFromBuildPlan(Path workspace, CargoSelection selection, Path buildPlan) {
        String planJson;
        try {
            planJson = Files.readString(buildPlan, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreIOException("cannot read the build plan " + buildPlan, e);
        }
        LegacyBuildPlan plan = LegacyBuildPlan.parse(planJson, buildPlan.toString());
        List<String> meta = new ArrayList<>(List.of(cargo, "metadata", "--format-version", "1"));
        meta.addAll(selection.metadataFlags());
        String metadataJson = run(workspace, meta);
        CargoMetadata metadata = CargoMetadata.parse(metadataJson, "cargo metadata in " + workspace);
        return new CargoPlan(plan.toUnitGraph(metadata), metadata, planJson, metadataJson);
    }

    /** The cargo executable this runner starts. */
    String cargo() {
        return cargo;
    }

    /** cargo's words for failing to reach a registry or a remote, or to read a file: no fault of what it was given. */
    private static final java.util.regex.Pattern NOT_THE_INPUT = java.util.regex.Pattern.compile(
            "(?i)network|download|failed to fetch|failed to update|unable to update|could not resolve|connect|timed out"
                    + "|spurious|failed to read|os error");

    /**
     * Runs cargo in {@code dir} and answers its stdout. A failure is an {@link InvalidManifestException} when cargo
     * could not parse a manifest, a {@link CargoRefusedException} when it refused the input (exit code 101, no network
     * failure), else a {@link CargoFailedException} with the command and cargo's stderr.
     */
    String run(Path dir, List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(env);
        pb.environment().put("RUSTC_BOOTSTRAP", "1");
        pb.environment().remove("RUSTC_WRAPPER");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            int rc = p.waitFor();
            if (rc != 0) {
                String stderr = new String(err.join(), StandardCharsets.UTF_8).strip();
                InvalidManifestException bad = InvalidManifestException.fromCargo(stderr, dir);
                if (bad != null) {
                    throw bad;
                }
                // From cargo's first error on: the status lines before it ("Blocking waiting for file lock") are noise.
                int at = stderr.startsWith("error: ") ? 0 : stderr.indexOf("\nerror: ") + 1;
                String error = stderr.substring(at);
                String causes = error.lines().filter(l -> !l.startsWith("help:") && !l.startsWith("note:"))
                        .collect(java.util.stream.Collectors.joining("\n")); // advice mentions the network too
                if (rc == 101 && error.startsWith("error: ") && !NOT_THE_INPUT.matcher(causes).find()) {
                    throw new CargoRefusedException(error);
                }
                throw new CargoFailedException((error.startsWith("error: ") ? error.substring(7) : error)
                        + "\n(from `" + String.join(" ", cmd) + "` in " + dir + ", exit code " + rc + ")");
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreIOException("cannot run " + cmd.get(0) + " in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreIOException("interrupted while running " + String.join(" ", cmd));
        }
    }
}
