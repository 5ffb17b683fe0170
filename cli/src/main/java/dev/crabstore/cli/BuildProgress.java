package dev.crabstore.cli;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.UnitDerivationPlanner;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.build.Diagnostic;
import dev.crabstore.store.build.Diagnostics;
import dev.crabstore.store.build.RustcBuiltin;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a build shows while it runs, as cargo does ({@code Compiling} lines, warnings of the workspace's own units and
 * their counts, errors and {@code could not compile}, the progress line), and what it counts for the {@code Finished} line: built, fresh, substituted.
 */
final class BuildProgress implements BuildListener {
    final AtomicInteger built = new AtomicInteger();
    final AtomicInteger fresh = new AtomicInteger();
    final AtomicInteger elsewhere = new AtomicInteger();
    final AtomicInteger substituted = new AtomicInteger();
    final AtomicLong fetchedBytes = new AtomicLong();
    private final Set<String> compiling = ConcurrentHashMap.newKeySet();
    private final Set<StorePath> seen = ConcurrentHashMap.newKeySet();
    private final Map<StorePath, Diagnostics> reported = new ConcurrentHashMap<>();
    private final Map<StorePath, String> shown = new ConcurrentHashMap<>();
    private final Map<StorePath, String> names = new ConcurrentHashMap<>();
    private final Map<StorePath, String> fixCommands = new ConcurrentHashMap<>();
    /** Each unit's place in the plan's build order: replayed warnings are shown in it, not as threads finish. */
    private final Map<StorePath, Integer> rank = new ConcurrentHashMap<>();
    /** Diagnostics text of a unit not shown yet: until its build ends, or (fresh) until {@link #flushReplayed}. */
    private final Map<StorePath, String> pending = new ConcurrentHashMap<>();
    private final Set<String> freshShown = ConcurrentHashMap.newKeySet();
    /**
     * Where each unit's package is, as cargo's {@code Compiling} line names it: a path package's directory, a git
     * package's URL and commit.
     */
    private final Map<StorePath, String> sourceLabels = new ConcurrentHashMap<>();
    /** Where each unit's package comes from (its package id's source), to tell packages of one name apart. */
    private final Map<StorePath, String> sourceOf = new ConcurrentHashMap<>();
    /** Units done without a build here (fresh, built elsewhere) whose kept warnings wait to be shown in order. */
    private final Set<StorePath> replayed = ConcurrentHashMap.newKeySet();
    private final ProgressBar bar;
    private final boolean verbose;
    private final boolean showDiagnostics;
    private volatile int planned;

    /** {@code showDiagnostics}: print rustc's diagnostics (not with {@code --message-format json}). */
    BuildProgress(ProgressBar bar, boolean verbose, boolean showDiagnostics) {
        this.bar = bar;
        this.verbose = verbose;
        this.showDiagnostics = showDiagnostics;
    }

    @Override
    public void fresh(StorePath p, Derivation d) {
        fresh.incrementAndGet();
        seen.add(p);
        replayed.add(p);
        String pkg = d.env().get(UnitDerivationPlanner.ENV_PACKAGE);
        if (verbose && pkg != null && d.builder().equals("builtin:rustc")
                && freshShown.add(pkg + " " + sourceOf.get(p))) {
            String dir = sourceLabels.get(p);
            bar.println("       Fresh " + pkg + (dir != null ? " (" + dir + ")" : "")); // as cargo -v
        }
        bar.finished(label(p, d));
    }

    @Override
    public void builtElsewhere(StorePath p, Derivation d) {
        elsewhere.incrementAndGet();
        seen.add(p);
        replayed.add(p);
        if (verbose) {
            bar.println("      Waited for " + d.env().getOrDefault(UnitDerivationPlanner.ENV_PACKAGE, d.name()) + " ("
                    + p.baseName() + "): built by another process");
        }
        bar.finished(label(p, d));
    }

    @Override
    public void started(StorePath p, Derivation d) {
        flushReplayed(); // the warnings of what was already done come before what starts now, as cargo shows them
        String pkg = d.env().get(UnitDerivationPlanner.ENV_PACKAGE);
        // once per package, as cargo: two packages of one name and version from two sources are two
        if (pkg != null && d.builder().equals("builtin:rustc") && (compiling.add(pkg + " " + sourceOf.get(p))
                || verbose)) {
            String dir = sourceLabels.get(p); // cargo names where a path package is
            bar.println("   Compiling " + pkg + (dir != null ? " (" + dir + ")" : "")
                    + (verbose ? " (" + p.baseName() + ")" : ""));
        } else if (verbose && pkg != null && d.builder().equals("builtin:build-script-run")) {
            bar.println("     Running `" + pkg + "` build script (" + p.baseName() + ")"); // cargo -v: Running `…`
        } else if (verbose) {
            bar.println("    Building " + p.baseName());
        }
        bar.started(label(p, d));
    }

    @Override
    public void built(StorePath p, Derivation d, String log, long millis) {
        built.incrementAndGet();
        seen.add(p);
        showPending(p);
        if (!log.isBlank() && (verbose || isLocal(d))) {
            bar.print(Ansi.forStderr(log.endsWith("\n") ? log : log + "\n"));
        }
        bar.finished(label(p, d));
    }

    /**
     * rustc's diagnostics, as cargo shows them: a path package's all (others' errors only, unless verbose), without
     * rustc's closing counts, then {@code warning: `greet` (lib) generated 1 warning}. Not in JSON mode, where they are
     * messages on stdout (plain lines rustc printed still go to stderr).
     */
    @Override
    public void diagnostics(StorePath p, Derivation d, Diagnostics diagnostics) {
        reported.put(p, diagnostics);
        boolean all = verbose || isLocal(d);
        StringBuilder sb = new StringBuilder();
        for (Diagnostic x : diagnostics.shown()) {
            if (x.isPlain() || showDiagnostics && (all || x.isError())) {
                sb.append(x.rendered().endsWith("\n") ? x.rendered() : x.rendered() + "\n");
            }
        }
        long warnings = diagnostics.warnings();
        if (showDiagnostics && all && warnings > 0) {
            sb.append("warning: ").append(name(p, d)).append(" generated ").append(plural(warnings, "warning"));
            String fix = fixCommands.get(p);
            long fixable = diagnostics.fixable();
            if (fix != null && fixable > 0 && diagnostics.errors() == 0) {
                sb.append(" (run `").append(fix).append("` to apply ").append(plural(fixable, "suggestion"))
                        .append(')');
            }
            sb.append('\n');
        }
        if (!sb.isEmpty()) {
            pending.put(p, sb.toString());
            if (diagnostics.errors() == 0) {
                shown.put(p, sb.toString());
            }
        }
    }

    private void showPending(StorePath p) {
        String text = pending.remove(p);
        if (text != null) {
            bar.print(Ansi.forStderr(text));
        }
    }

    /**
     * Shows the kept warnings of the units done without a build (fresh, built elsewhere, or reported fresh after the
     * realiser for units it never visited), in the plan's order: they come from the pool's threads in any order.
     */
    synchronized void flushReplayed() {
        java.util.List<StorePath> ready = new java.util.ArrayList<>();
        for (StorePath p : pending.keySet()) {
            if (replayed.contains(p) || !seen.contains(p)) {
                ready.add(p);
            }
        }
        ready.sort(java.util.Comparator.<StorePath>comparingInt(p -> rank.getOrDefault(p, Integer.MAX_VALUE))
                .thenComparing(StorePath::toString));
        ready.forEach(this::showPending);
    }

    /** How the status line names a unit, as cargo's: the crate ({@code syn}), else the derivation's name. */
    private static String label(StorePath p, Derivation d) {
        String pkg = d.env().get(UnitDerivationPlanner.ENV_PACKAGE);
        return pkg != null ? pkg.substring(0, pkg.lastIndexOf(" v") > 0 ? pkg.lastIndexOf(" v") : pkg.length())
                : p.name().replaceFirst("\\.drv$", "");
    }

    /** {@code 1 warning}, {@code 2 warnings}. */
    static String plural(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /**
     * The units of {@code planned} as cargo names them in its messages ({@code `greet` (lib)}), and the
     * {@code cargo fix} command it suggests for each.
     */
    void name(WorkspaceBuilder.Planned planned) {
        int[] order = planned.plan().order().stream().mapToInt(Integer::intValue).toArray();
        for (int k = 0; k < order.length; k++) {
            rank.put(planned.plan().drvPaths().get(order[k]), k);
        }
        UnitGraph graph = planned.cargo().unitGraph();
        for (int i = 0; i < planned.plan().drvPaths().size() && i < graph.units().size(); i++) {
            Unit u = graph.unit(i);
            dev.crabstore.planner.unit.MetadataPackage meta = planned.cargo().metadata().pkg(u.pkgId(),
                    "cargo metadata");
            String pkg = meta.name();
            StorePath drvPath = planned.plan().drvPaths().get(i);
            names.put(drvPath, UnitLabels.cargoName(pkg, u));
            if (u.packageId().isPath()) {
                sourceLabels.put(drvPath, meta.manifestDir());
            } else if (u.packageId().kind().equals("git")) { // cargo: (url?tag=v1#04d45cd3), the commit cut to 8
                dev.crabstore.planner.derive.PackageSource src = planned.sources().get(u.pkgId());
                dev.crabstore.core.drv.Derivation fetch = src == null || src.drv().isEmpty() ? null
                        : planned.plan().byPath().get(src.drv().get());
                String rev = fetch == null ? null : fetch.env().get("rev");
                if (rev != null && rev.length() >= 8) {
                    sourceLabels.put(drvPath, u.packageId().url() + "#" + rev.substring(0, 8));
                }
            }
            sourceOf.put(drvPath, u.packageId().kind() + "+" + u.packageId().url());
            String fix = UnitLabels.fixCommand(pkg, u);
            if (fix != null) {
                fixCommands.put(drvPath, fix);
            }
        }
    }

    private String name(StorePath p, Derivation d) {
        String n = names.get(p);
        return n != null ? n : "`" + d.env().getOrDefault(UnitDerivationPlanner.ENV_PACKAGE, d.name()) + "` ("
                + d.name() + ")";
    }

    /**
     * The diagnostics shown for the units of {@code drvPaths} that did not fail, in that order: what an unchanged
     * build shows again.
     */
    String shownDiagnostics(java.util.List<StorePath> drvPaths) {
        StringBuilder sb = new StringBuilder();
        drvPaths.forEach(p -> sb.append(shown.getOrDefault(p, "")));
        return sb.toString();
    }

    /**
     * Whether {@code d} is a unit of a path package (a workspace member or a path dependency), whose warnings cargo
     * shows: its working directory is the package's place in the sandbox, not a store path.
     */
    static boolean isLocal(Derivation d) {
        return UnitDerivationPlanner.ofPathPackage(d);
    }

    @Override
    public void substituting(StorePath p, Derivation d) {
        bar.started(label(p, d));
    }

    @Override
    public void substituted(StorePath p, Derivation d, String from, long bytes) {
        substituted.incrementAndGet();
        seen.add(p);
        fetchedBytes.addAndGet(bytes);
        bar.fetched(bytes);
        String pkg = d.env().getOrDefault(UnitDerivationPlanner.ENV_PACKAGE, d.name());
        if (d.builder().equals("builtin:rustc") || verbose) {
            bar.println(" Substituted " + pkg + (verbose ? " (" + p.baseName() + ") from " + from : ""));
        }
        showPending(p); // a member's warnings, from the log the cache keeps beside it
        bar.finished(label(p, d));
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
        seen.add(p);
        showPending(p);
        if (message.startsWith(RustcBuiltin.COULD_NOT_COMPILE)) {
            int nl = message.indexOf('\n');
            String headline = nl < 0 ? message : message.substring(0, nl);
            String body = nl < 0 ? "" : message.substring(nl + 1).stripTrailing();
            String storeName = RustcBuiltin.COULD_NOT_COMPILE + "`" + d.env().getOrDefault(
                    UnitDerivationPlanner.ENV_PACKAGE, "") + "` (" + d.name() + ")";
            if (headline.startsWith(storeName)) {
                headline = RustcBuiltin.COULD_NOT_COMPILE + name(p, d) + headline.substring(storeName.length());
            }
            // rustc's diagnostics were shown as they came (diagnostics()); else the message carries them
            bar.println(Ansi.forStderr((reported.containsKey(p) || body.isEmpty() ? "" : body + "\n\n") + "error: "
                    + headline));
            if (readOutsideItsPackage(reported.get(p), body)) {
                bar.println("note: a unit sees only its own package's files; list the workspace's files it reads in "
                        + "`workspace-files` of .crabstore.toml (e.g. workspace-files = [\"README.md\"])");
            }
        } else if (!message.startsWith("dependency ") && !message.startsWith("not built")) {
            bar.println(Ansi.forStderr("error: " + message));
        }
        bar.finished(label(p, d));
    }

    /** Whether rustc could not read a file above the package ({@code include_str!("../../README.md")}). */
    private static boolean readOutsideItsPackage(Diagnostics reported, String body) {
        java.util.function.Predicate<String> outside = m -> m.startsWith("couldn't read `") && m.contains("../");
        return reported != null ? reported.shown().stream().map(Diagnostic::message).anyMatch(outside)
                : body.lines().anyMatch(l -> outside.test(l.replaceFirst("^error: ", "")));
    }

    /**
     * The number of derivations in the plan. The realiser does not visit what a valid output makes unnecessary, so
     * counting only its {@code fresh} events made the same unchanged workspace report "1 fresh" or "75 fresh"
     * depending on what the build before had done.
     */
    void planned(int derivations) {
        planned = derivations;
    }

    /**
     * {@code 3 built, 1 substituted (12.0 KiB fetched), 2 built elsewhere, 40 fresh} (substituted and built elsewhere
     * only when there are any); fresh is every other derivation of the plan: already in the store, or not needed.
     */
    String counts() {
        return String.format(Locale.ROOT, "%d built, %s%s%d fresh", built.get(), substituted.get() == 0 ? ""
                : String.format(Locale.ROOT, "%d substituted (%s fetched), ", substituted.get(),
                        BuildCommand.humanBytes(fetchedBytes.get())),
                elsewhere.get() == 0 ? "" : elsewhere.get() + " built elsewhere, ", freshCount());
    }

    private int freshCount() {
        return Math.max(fresh.get(), planned - built.get() - substituted.get() - elsewhere.get());
    }

    /** Every derivation of the plan (those the realiser met, before the plan is known). */
    int total() {
        return built.get() + substituted.get() + elsewhere.get() + freshCount();
    }
}
