package dev.crabstore.store.sandbox;

import dev.crabstore.store.StoreIOException;
import java.nio.file.Path;

/**
 * Runs commands directly on the host, for users who opted out of sandboxing. Without a mount namespace nothing can be
 * remapped, so every mount must already be at its sandbox path (the store's physical dir must be its logical dir),
 * and the command can see and reach the whole machine: outputs are no longer guaranteed hermetic.
 */
public final class UnsandboxedRunner implements CommandRunner {
    @Override
    public ProcessOutcome run(SandboxSpec spec) {
        for (Mount m : spec.mounts()) {
            if (!m.hostPath().equals(Path.of(m.sandboxPath()))) {
                throw new StoreIOException("an unsandboxed build cannot make " + m.hostPath() + " appear at "
                        + m.sandboxPath() + "; use a store whose physical location is its logical store dir, or "
                        + "install bubblewrap");
            }
        }
        ProcessBuilder pb = new ProcessBuilder(spec.argv()).directory(Path.of(spec.workDir()).toFile());
        pb.environment().clear();
        pb.environment().putAll(spec.env());
        return ProcessExecutor.execute(pb, spec.timeout());
    }

    @Override
    public boolean isHermetic() {
        return false;
    }
}
