package dev.crabstore.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Real Nix (Debian's nix-bin) as a test oracle, run daemon-free with all its state under one scratch directory,
 * as shared/docs/nix-formats.md §11 describes. Logical store dir /crabstore/store; nothing touches /nix.
 */
public final class NixOracle {
    public static final String STORE_DIR = "/crabstore/store";

    private final Path work;

    private NixOracle(Path work) {
        this.work = work;
    }

    /**
     * An oracle rooted in {@code work}. Without nix on the PATH the test is skipped locally, but fails in CI
     * ({@code CI=true}), where the set-up script must have installed it.
     */
    public static NixOracle create(Path work) {
        Tools.require("nix-store");
        try {
            Files.createDirectories(work.resolve("home"));
            Files.createDirectories(work.resolve("etc"));
            Files.writeString(work.resolve("etc/nix.conf"),
                    "experimental-features = nix-command\nsubstituters =\nsandbox = false\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new NixOracle(work);
    }

    /** A store that only computes paths ({@code nix store add-path --dry-run}). */
    public String dummyStore() {
        return "dummy://?store=" + STORE_DIR;
    }

    /** A real local store whose files live under the scratch dir, with logical store dir /crabstore/store. */
    public String localStore() {
        Path s = work.resolve("s");
        return "local?store=" + STORE_DIR + "&state=" + s.resolve("state") + "&log=" + s.resolve("log") + "&real="
                + s.resolve("store");
    }

    /** Where {@link #localStore()} keeps the files of its store paths. */
    public Path localStoreRealDir() {
        return work.resolve("s/store");
    }

    public ProcessResult run(String... command) {
        return run(null, command);
    }

    public ProcessResult run(byte[] stdin, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("HOME", work.resolve("home").toString());
        env.put("XDG_CACHE_HOME", work.resolve("cache").toString());
        env.put("NIX_CONF_DIR", work.resolve("etc").toString());
        env.put("NIX_STATE_DIR", work.resolve("state").toString());
        env.put("NIX_LOG_DIR", work.resolve("log").toString());
        env.remove("NIX_STORE_DIR");
        env.remove("NIX_CONFIG");
        return ProcessResult.run(pb, stdin, 600);
    }

    /** Runs a command that must succeed and returns its stdout. */
    public byte[] runOk(String... command) {
        ProcessResult r = run(command);
        r.assertOk();
        return r.stdout();
    }

    public String runOkText(String... command) {
        return new String(runOk(command), StandardCharsets.UTF_8).strip();
    }

    /** Result of a finished process. */
    public record ProcessResult(List<String> command, int exitCode, byte[] stdout, byte[] stderr) {
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        public String stderrText() {
            return new String(stderr, StandardCharsets.UTF_8);
        }

        public ProcessResult assertOk() {
            if (exitCode != 0) {
                throw new AssertionError("command " + command + " exited " + exitCode + ":\n" + stderrText());
            }
            return this;
        }

        public static ProcessResult run(ProcessBuilder pb, byte[] stdin, int timeoutSeconds) {
            try {
                Process p = pb.start();
                CompletableFuture<byte[]> out = drain(p.getInputStream());
                CompletableFuture<byte[]> err = drain(p.getErrorStream());
                try (var in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin);
                    }
                }
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("command " + pb.command() + " timed out after " + timeoutSeconds + " s");
                }
                return new ProcessResult(new ArrayList<>(pb.command()), p.exitValue(), out.join(), err.join());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        private static CompletableFuture<byte[]> drain(InputStream in) {
            return CompletableFuture.supplyAsync(() -> {
                try (in) {
                    ByteArrayOutputStream bos = new ByteArrayOutputStream();
                    in.transferTo(bos);
                    return bos.toByteArray();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
