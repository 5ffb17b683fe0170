package dev.crabstore.store.cargo;

import dev.crabstore.planner.config.CargoConfig;
import dev.crabstore.planner.config.ConfigLayer;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds and reads the cargo config that applies to a workspace, in cargo's order of priority: {@code --config}
 * values, {@code .cargo/config.toml} (or {@code .cargo/config}) in the workspace directory and each parent, then
 * {@code $CARGO_HOME/config.toml}.
 */
public final class CargoConfigFiles {
    private CargoConfigFiles() {}

    public static CargoConfig load(Path workspace, Map<String, String> env, CargoSelection selection) {
        return CargoConfig.parse(layers(workspace, env, selection), env).validate();
    }

    /** The layers, highest priority first. */
    public static List<ConfigLayer> layers(Path workspace, Map<String, String> env, CargoSelection selection) {
        Path ws = workspace.toAbsolutePath().normalize();
        List<ConfigLayer> out = new ArrayList<>();
        List<String> args = selection.values("--config");
        for (int i = args.size() - 1; i >= 0; i--) { // later --config values win
            String a = args.get(i);
            Path f = ws.resolve(a);
            if (a.endsWith(".toml") && Files.isRegularFile(f)) {
                out.add(new ConfigLayer(f.toString(), baseDir(f), read(f)));
            } else {
                out.add(new ConfigLayer("--config " + a, ws.toString(), a));
            }
        }
        for (Path f : files(ws, env)) {
            out.add(new ConfigLayer(f.toString(), baseDir(f), read(f)));
        }
        return out;
    }

    /** The config files that exist for this workspace, highest priority first. */
    public static List<Path> files(Path workspace, Map<String, String> env) {
        Set<Path> found = new LinkedHashSet<>();
        for (Path dir = workspace.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            pick(dir.resolve(".cargo")).ifPresent(found::add);
        }
        String home = env.getOrDefault("CARGO_HOME", env.getOrDefault("HOME", "/root") + "/.cargo");
        pick(Path.of(home)).ifPresent(found::add);
        return List.copyOf(found);
    }

    // cargo prefers the legacy name when both exist (and warns).
    private static java.util.Optional<Path> pick(Path dir) {
        for (String name : List.of("config", "config.toml")) {
            Path f = dir.resolve(name);
            if (Files.isRegularFile(f)) {
                return java.util.Optional.of(f.normalize());
            }
        }
        return java.util.Optional.empty();
    }

    private static String baseDir(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        return (dir.getFileName() != null && dir.getFileName().toString().equals(".cargo") ? dir.getParent() : dir)
                .toString();
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new StoreIOException("cannot read cargo config " + f, e);
        }
    }
}
