package dev.crabstore.store.cargo;

import dev.crabstore.planner.config.CargoConfig;
import java.util.ArrayList;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The host's Rust toolchain as builds use it: its sysroot (mounted read-only in every sandbox), host triple, target
 * cfgs, and an identity (from {@code rustc -vV} and the sysroot) that is an input of every unit derivation.
 */
public record RustToolchain(Path sysroot, String host, String versionText, List<String> cfg, String identity) {

    public static RustToolchain probe(Path dir, Map<String, String> env) {
        return probe(dir, env, null, CargoConfig.empty());
    }

    /**
     * Probes rustc; the cfgs are those of {@code target} (the host when null) under the RUSTFLAGS that apply to it,
     * as cargo computes them (first without flags, to evaluate {@code target.'cfg(..)'} tables, then with them).
     */
    public static RustToolchain probe(Path dir, Map<String, String> env, String target, CargoConfig config) {
        String rustc = env.getOrDefault("RUSTC", "rustc");
        List<String> base = new ArrayList<>(List.of(rustc, "--print=cfg"));
        if (target != null) {
            base.addAll(List.of("--target", target));
        }
        // The three probes are independent: run at once, they cost one rustc start-up instead of three.
        java.util.concurrent.Executor ownThread = r -> {
            Thread t = new Thread(r, "rustc-probe");
            t.setDaemon(true);
            t.start();
        };
        java.util.concurrent.CompletableFuture<String> sysrootRun = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> run(dir, env, rustc, "--print", "sysroot"), ownThread);
        java.util.concurrent.CompletableFuture<String> cfgRun = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> run(dir, env, base.toArray(String[]::new)), ownThread);
        String vv;
        String sysroot;
        List<String> cfg;
        try {
            vv = run(dir, env, rustc, "-vV");
        } finally {
            sysroot = joinProbe(sysrootRun).strip();
            cfg = List.of(joinProbe(cfgRun).strip().split("\n"));
        }
        String host = vv.lines().filter(l -> l.startsWith("host: ")).map(l -> l.substring(6).strip()).findFirst()
                .orElseThrow(() -> new StoreIOException("`rustc -vV` printed no host triple"));
        List<String> flags = config.rustflags(target != null ? target : host, cfg);
        if (!flags.isEmpty()) {
            base.addAll(flags);
            cfg = List.of(run(dir, env, base.toArray(String[]::new)).strip().split("\n"));
        }
        // rustc's version, commit and LLVM say which compiler it is; target cfgs follow from it and the flags, which
        // are in each derivation already. Not the sysroot's location, which differs between machines.
        String id = Hash.sha256(vv).toNix32().substring(0, 32);
        return new RustToolchain(Path.of(sysroot), host, vv, cfg, id);
    }

    /**
     * What {@code -C target-cpu=native} means here: rustc's name for this machine's CPU ({@code --print target-cpus}
     * says "currently znver5") and the target features enabled, from {@code cfg} probed under the same flags.
     */
    public String nativeCpu(Path dir, Map<String, String> env) {
        String cpus = run(dir, env, env.getOrDefault("RUSTC", "rustc"), "--print", "target-cpus");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(currently ([^)]+)\\)").matcher(cpus);
        String name = m.find() ? m.group(1).strip() : "unknown";
        return name + " " + String.join(",", cfg.stream().filter(l -> l.startsWith("target_feature="))
                .map(l -> l.substring("target_feature=".length()).replace("\"", "")).toList());
    }

    private static String joinProbe(java.util.concurrent.CompletableFuture<String> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** What the sandbox mounts, for the builtins' check. */
    public dev.crabstore.store.build.RustToolchainId id() {
        return new dev.crabstore.store.build.RustToolchainId(identity, versionText.lines().findFirst().orElse("rustc"));
    }

    private static String run(Path dir, Map<String, String> env, String... cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new StoreIOException("`" + String.join(" ", cmd) + "` failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new StoreIOException("cannot run " + cmd[0] + " (is Rust installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreIOException("interrupted while running " + cmd[0]);
        }
    }
}
