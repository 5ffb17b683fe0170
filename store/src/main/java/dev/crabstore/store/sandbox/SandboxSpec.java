package dev.crabstore.store.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One command to run hermetically: its argv, its complete environment (nothing of the caller's leaks in), its
 * working directory and the only host paths it may see. Network is always off.
 */
public record SandboxSpec(List<String> argv, Map<String, String> env, String workDir, List<Mount> mounts,
        Duration timeout) {
    public SandboxSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(new TreeMap<>(env));
        mounts = List.copyOf(mounts);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty argv");
        }
    }
}
