package dev.crabstore.store.sandbox;

import java.nio.charset.StandardCharsets;

/** How a sandboxed command ended, with everything it printed. */
public record ProcessOutcome(int exitCode, boolean timedOut, byte[] stdout, byte[] stderr) {
    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }

    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }
}
