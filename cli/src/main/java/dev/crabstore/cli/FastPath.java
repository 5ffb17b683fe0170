package dev.crabstore.cli;

import dev.crabstore.store.cargo.NoopFingerprint;
import dev.crabstore.store.local.StoreHome;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.store.nar.NarDumper;
import java.nio.file.Path;

/**
 * Runs the few commands that scripts call in tight loops without building picocli's model, which costs about 0.2 s
 * of reflection per process. Only exact, option-free forms are taken here; everything else, including any error,
 * goes through the full command line, so behaviour and messages stay the same.
 */
final class FastPath {
    /**
     * Separates the chunks of a replayed {@code test}: its stderr and stdout alternate (a Running line on stderr,
     * then libtest's output on stdout, ...), so both are recorded as chunks and replayed in turn, stderr first.
     */
    static final String CHUNK = "\u0001";

    private FastPath() {}

    /** The exit code, or -1 when {@code args} is not a fast-path form. */
    static int tryRun(CliContext context, String[] args) {
        if (args.length >= 1 && (args[0].equals("build") || args[0].equals("plan") || args[0].equals("test")) && !asksForHelp(args)) {
            return replayNoop(context, args);
        }
        if (args.length == 3 && args[0].equals("nar") && args[1].equals("dump") && !args[2].startsWith("-")) {
            try {
                NarDumper.dump(Path.of(args[2]), context.out());
                context.out().flush();
                return ExitCodes.OK;
            } catch (CrabstoreException e) {
                context.err().println("error: " + e.getMessage());
                return ExitCodes.forException(e);
            }
        }
        return -1;
    }

    private static boolean asksForHelp(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
                return true;
            }
        }
        return false;
    }

    /** An unchanged build or plan: replays its result after checking its fingerprint (see {@link NoopFingerprint}). */
    private static int replayNoop(CliContext context, String[] args) {
        Path file = NoopFingerprint.file(StoreHome.fromEnvironment(context.env()).root(), context.args(),
                Path.of("").toAbsolutePath(), context.env());
        NoopFingerprint.Replay replay = NoopFingerprint.check(file);
        if (replay == null) {
            return -1;
        }
        long ms = (System.nanoTime() - Main.STARTED) / 1_000_000;
        String stderr = replay.stderr().replace("{secs}", String.format(java.util.Locale.ROOT, "%.2f", ms / 1000.0))
                .replace("{ms}", Long.toString(ms));
        if (args[0].equals("test")) {
            String[] err = stderr.split(CHUNK, -1);
            String[] out = replay.stdout().split(CHUNK, -1);
            for (int i = 0; i < Math.max(err.length, out.length); i++) {
                if (i < err.length) {
                    context.err().print(err[i]);
                    context.err().flush();
                }
                if (i < out.length) {
                    context.out().print(out[i]);
                    context.out().flush();
                }
            }
            return ExitCodes.OK;
        }
        context.out().print(replay.stdout());
        context.out().flush();
        context.err().print(Ansi.forStderr(stderr)); // a build's warnings are recorded with rustc's colours
        context.err().flush();
        return ExitCodes.OK;
    }
}
