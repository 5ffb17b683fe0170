package dev.crabstore.store.sandbox;

/** Runs a {@link SandboxSpec}: in bubblewrap, or (when the user opted out of sandboxing) directly. */
public interface CommandRunner {
    ProcessOutcome run(SandboxSpec spec);

    /** Whether the command sees only what the spec mounts. */
    boolean isHermetic();
}
