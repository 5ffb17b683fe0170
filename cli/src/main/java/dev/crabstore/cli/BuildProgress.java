package dev.crabstore.cli;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.UnitDerivationPlanner;
import dev.crabstore.store.build.BuildListener;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a build shows while it runs, as cargo does ({@code Compiling} lines, warnings of the workspace's own units,
 * errors, the progress line), and what it counts for the {@code Finished} line: built, fresh, substituted.
 */
final class BuildProgress implements BuildListener {
    final AtomicInteger built = new AtomicInteger();
    final AtomicInteger fresh = new AtomicInteger();
    final AtomicInteger elsewhere = new AtomicInteger();
    final AtomicInteger substituted = new AtomicInteger();
    final AtomicLong fetchedBytes = new AtomicLong();
    private final Set<String> compiling = ConcurrentHashMap.newKeySet();
    private final ProgressBar bar;
    private final boolean verbose;

    BuildProgress(ProgressBar bar, boolean verbose) {
        this.bar = bar;
        this.verbose = verbose;
    }

    @Override
    public void fresh(StorePath p, Derivation d) {
        fresh.incrementAndGet();
        bar.finished(p.name());
    }

    @Override
    public void builtElsewhere(StorePath p, Derivation d) {
        elsewhere.incrementAndGet();
        if (verbose) {
            bar.println("      Waited for " + d.env().getOrDefault("crabstorePackage", d.name()) + " ("
                    + p.baseName() + "): built by another process");
        }
        bar.finished(p.name());
    }

    @Override
    public void started(StorePath p, Derivation d) {
        String pkg = d.env().get("crabstorePackage");
        if (pkg != null && d.builder().equals("builtin:rustc") && (compiling.add(pkg) || verbose)) {
            bar.println("   Compiling " + pkg + (verbose ? " (" + p.baseName() + ")" : ""));
        } else if (verbose) {
            bar.println("    Building " + p.baseName());
        }
        bar.started(p.name());
    }

    @Override
    public void built(StorePath p, Derivation d, String log, long millis) {
        built.incrementAndGet();
        if (!log.isBlank() && (verbose || isLocal(d))) {
            bar.print(Ansi.forStderr(log.endsWith("\n") ? log : log + "\n"));
        }
        bar.finished(p.name());
    }

    /**
     * Whether {@code d} is a unit of a path package (a workspace member or a path dependency), whose warnings cargo
     * shows: its working directory is the package's place in the sandbox, not a store path.
     */
    static boolean isLocal(Derivation d) {
        String cwd = d.env().getOrDefault(UnitDerivationPlanner.ENV_CWD, "");
        return isUnder(cwd, UnitDerivationPlanner.WORKSPACE) || isUnder(cwd, UnitDerivationPlanner.EXTERNAL);
    }

    private static boolean isUnder(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir + "/");
    }

    @Override
    public void substituting(StorePath p, Derivation d) {
        bar.started(p.name());
    }

    @Override
    public void substituted(StorePath p, Derivation d, String from, long bytes) {
        substituted.incrementAndGet();
        fetchedBytes.addAndGet(bytes);
        bar.fetched(bytes);
        String pkg = d.env().getOrDefault("crabstorePackage", d.name());
        if (d.builder().equals("builtin:rustc") || verbose) {
            bar.println(" Substituted " + pkg + (verbose ? " (" + p.baseName() + ") from " + from : ""));
        }
        bar.finished(p.name());
    }

    @Override
    public void pathLeaks(StorePath p, Derivation d, java.util.List<dev.crabstore.store.build.PathLeakScanner.Leak> leaks) {
        StringBuilder sb = new StringBuilder("warning: " + d.name() + " contains absolute paths outside the "
                + "store, so its output depends on where it was built:");
        leaks.forEach(l -> sb.append("\n         ").append(l));
        bar.println(sb.toString());
    }

    @Override
    public void substitutionFailed(StorePath p, Derivation d, String reason) {
        bar.println("warning: cannot substitute " + d.name() + ", building it: " + reason);
    }

    @Override
    public void failed(StorePath p, Derivation d, String message) {
        if (message.startsWith("could not compile ") && message.indexOf('\n') > 0) {
            // rustc's diagnostics, then which unit failed, as cargo prints them
            int nl = message.indexOf('\n');
            bar.println(Ansi.forStderr(message.substring(nl + 1).stripTrailing() + "\n\nerror: "
                    + message.substring(0, nl)));
        } else if (!message.startsWith("dependency ") && !message.startsWith("not built")) {
            bar.println(Ansi.forStderr("error: " + message));
        }
        bar.finished(p.name());
    }

    /**
     * {@code 3 built, 1 substituted (12.0 KiB fetched), 2 built elsewhere, 40 fresh} (substituted and built elsewhere
     * only when there are any).
     */
    String counts() {
        return String.format(Locale.ROOT, "%d built, %s%s%d fresh", built.get(), substituted.get() == 0 ? ""
                : String.format(Locale.ROOT, "%d substituted (%s fetched), ", substituted.get(),
                        BuildCommand.humanBytes(fetchedBytes.get())),
                elsewhere.get() == 0 ? "" : elsewhere.get() + " built elsewhere, ", fresh.get());
    }

    /** Every unit the build needed. */
    int total() {
        return built.get() + substituted.get() + elsewhere.get() + fresh.get();
    }
}
