package dev.crabstore.store.cargo;

import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.local.StoreHome;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What {@code crabstore test} last ran for a workspace, selection and test arguments: the reports (outputs of the
 * {@code builtin:test-run} derivations) and those derivations in {@code var/last-tests/<key>/test}, each a GC root
 * ({@code var/last-tests/<key>/roots/<n>}). Without them {@code gc} deleted every report, and the next unchanged
 * {@code crabstore test} ran every harness again. The run derivations refer to their harnesses' derivations, so with
 * {@code keep-outputs} (the default) gc also keeps every unit the harnesses were built from, as a last build's roots
 * do, and an edit then rebuilds only what it changed. The next test of the same key replaces the roots; gc drops them once
 * the workspace directory is deleted, as it does a {@link LastBuilds last build}'s.
 */
public final class LastTestRuns {
    private static final String HEADER = "crabstore-last-test-v1";

    private final StoreHome home;

    public LastTestRuns(StoreHome home) {
        this.home = home;
    }

    /**
     * The record's name: the workspace, the selection (without --offline/--locked/--frozen) and the harnesses'
     * arguments, so that a filtered run ({@code test -- name}) does not drop the reports of the full one.
     */
    public static String key(Path workspace, CargoSelection selection, List<String> testArgs) {
        StringBuilder sb = WorkspaceRecords.keyText(HEADER, workspace, selection).append("\u0001args\u0000");
        testArgs.forEach(a -> sb.append(a).append('\u0000'));
        return WorkspaceRecords.key(sb);
    }

    public Path dir(Path workspace, CargoSelection selection, List<String> testArgs) {
        return home.root().resolve("var/last-tests").resolve(key(workspace, selection, testArgs));
    }

    /**
     * Records a test command's reports (the valid outputs of its runs: passed now, or before and reused) and its
     * run derivations (the {@code .drv} files of every run, passed or not), replacing the last record of the same
     * workspace, selection and arguments.
     */
    public void record(Path workspace, CargoSelection selection, List<String> testArgs, List<StorePath> reports,
            List<StorePath> runs, Instant time) {
        StringBuilder sb = WorkspaceRecords.start(HEADER, workspace, selection).append("args");
        testArgs.forEach(a -> sb.append('\t').append(a));
        sb.append('\n').append("time\t").append(time).append('\n');
        reports.forEach(r -> sb.append("report\t").append(r.baseName()).append('\n'));
        runs.forEach(r -> sb.append("run\t").append(r.baseName()).append('\n'));
        List<StorePath> roots = new java.util.ArrayList<>(reports);
        roots.addAll(runs);
        WorkspaceRecords.write(home, dir(workspace, selection, testArgs), "test", sb.toString(), roots);
    }

    /** Deletes the records (and so the GC roots) of workspaces whose directory no longer exists; how many. */
    public int forgetDeletedWorkspaces() {
        return WorkspaceRecords.forgetDeletedWorkspaces(home.root().resolve("var/last-tests"), "test");
    }

    /** The records {@link #forgetDeletedWorkspaces} would delete (for {@code gc --dry-run}, which deletes none). */
    public List<Path> ofDeletedWorkspaces() {
        return WorkspaceRecords.ofDeletedWorkspaces(home.root().resolve("var/last-tests"), "test");
    }
}
