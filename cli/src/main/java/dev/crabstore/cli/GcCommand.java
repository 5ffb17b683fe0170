package dev.crabstore.cli;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.store.cargo.LastBuilds;
import dev.crabstore.store.cargo.LastTestRuns;
import dev.crabstore.store.cargo.NoopFingerprint;
import dev.crabstore.store.cargo.PlanCache;
import dev.crabstore.store.cargo.SourceDigestCache;
import dev.crabstore.store.config.ConfigFiles;
import dev.crabstore.store.local.GarbageCollector;
import dev.crabstore.store.local.GcRoots;
import dev.crabstore.store.local.LocalStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crabstore gc}: deletes every store path no GC root reaches. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Delete store paths that no GC root (target/ links, result links, add-root) reaches. Paths "
                + "that running crabstore processes use are kept.")
public final class GcCommand implements Runnable {
    private final CliContext context;

    @Mixin
    StoreOptions options;

    @Option(names = "--dry-run", description = "Only print what would be deleted.")
    boolean dryRun;

    @Option(names = "--max-freed", paramLabel = "SIZE", description = "Stop after freeing SIZE bytes (K, M, G suffixes).")
    String maxFreed;

    @Option(names = "--older-than", paramLabel = "DAYS", description = "Only delete paths registered DAYS ago or earlier.")
    Double olderThanDays;

    @Option(names = "--keep-outputs", negatable = true, description = "Keep the outputs of every live derivation, so "
            + "that each workspace's last build keeps every unit it built (default: the keep-outputs setting of the "
            + "user's config.toml, true unless set).")
    Boolean keepOutputs;

    public GcCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        long limit = maxFreed == null ? Long.MAX_VALUE : parseSize(maxFreed);
        long age = olderThanDays == null ? 0 : (long) (olderThanDays * 86400);
        // Before anything is deleted: a config file that cannot be read stops gc with nothing done.
        boolean keep = keepOutputs != null ? keepOutputs : ConfigFiles.load(context.env(), null).keepOutputs();
        try (LocalStore store = options.openStore(context)) {
            if (!dryRun) {
                // The last build of a deleted checkout (kept for why-rebuild) is no root any more.
                new LastBuilds(store.home()).forgetDeletedWorkspaces();
                // Likewise the reports of its last test runs.
                new LastTestRuns(store.home()).forgetDeletedWorkspaces();
                // And what only saves work for a checkout: its plans, source digests and no-op fingerprints.
                Path var = store.home().root().resolve("var");
                int forgotten = new PlanCache(var.resolve("plans")).forgetDeletedWorkspaces()
                        + new SourceDigestCache(var.resolve("source-digests")).forgetDeletedTrees()
                        + NoopFingerprint.forgetStale(store.home().root());
                if (forgotten > 0) {
                    context.err().printf(Locale.ROOT, "%d %s of deleted or changed checkouts removed%n", forgotten,
                            forgotten == 1 ? "cached plan, source digest or no-op fingerprint"
                                    : "cached plans, source digests and no-op fingerprints");
                }
            }
            GcRoots roots = new GcRoots(store.home());
            if (dryRun) {
                // What the real run would no longer count as roots: the records of deleted checkouts.
                List<Path> records = new ArrayList<>(new LastBuilds(store.home()).ofDeletedWorkspaces());
                records.addAll(new LastTestRuns(store.home()).ofDeletedWorkspaces());
                roots = roots.ignoring(records);
            }
            GarbageCollector.Result r = GarbageCollector.collect(store, roots, dryRun, limit, age, Clock.systemUTC(),
                    keep);
            r.deleted().forEach(p -> context.out().println((dryRun ? "would delete " : "deleted ")
                    + store.storeDir().print(p)));
            context.err().printf(Locale.ROOT, "%d store path%s %s, %.2f MiB freed%s%n", r.deleted().size(),
                    r.deleted().size() == 1 ? "" : "s",
                    dryRun ? "would be deleted" : "deleted", r.bytesFreed() / 1048576.0, alsoRemoved(r));
        }
    }

    /** The rest of the summary line: what else the collection removed, each part only when there was some. */
    private static String alsoRemoved(GarbageCollector.Result r) {
        StringBuilder s = new StringBuilder();
        if (r.leftoversDeleted() > 0) {
            s.append(", ").append(BuildProgress.plural(r.leftoversDeleted(), "leftover"))
                    .append(" of interrupted builds removed");
        }
        if (r.linksDeleted() > 0) {
            s.append(String.format(Locale.ROOT, ", %s of store optimise removed (%.2f MiB)",
                    BuildProgress.plural(r.linksDeleted(), "unused link"), r.linkBytesFreed() / 1048576.0));
        }
        if (r.logsDeleted() > 0) {
            s.append(", ").append(BuildProgress.plural(r.logsDeleted(), "build log"))
                    .append(" of deleted derivations removed");
        }
        if (r.lockFilesDeleted() > 0) {
            s.append(", ").append(BuildProgress.plural(r.lockFilesDeleted(), "unused lock file")).append(" removed");
        }
        return s.toString();
    }

    static long parseSize(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("K") || t.endsWith("M") || t.endsWith("G") || t.endsWith("T")) {
            mult = switch (t.charAt(t.length() - 1)) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                default -> 1L << 40;
            };
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Long.parseLong(t) * mult;
        } catch (NumberFormatException e) {
            throw new InvalidFormatException("invalid size '" + s + "' (e.g. 500M, 2G)");
        }
    }
}
