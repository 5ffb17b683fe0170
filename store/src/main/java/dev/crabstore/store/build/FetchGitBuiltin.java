package dev.crabstore.store.build;

import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.Canonicaliser;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code builtin:fetch-git}: the tree of commit env {@code rev} of the repository at env {@code url}, without
 * {@code .git}, written to {@code out} (through JGit; {@code file://} repositories work offline). The commit id
 * pins the contents, as Cargo.lock pins git dependencies. JGit is only touched in {@link GitTreeExport}: its jar is
 * signed, and the first class loaded from it costs a signature check (0.3-0.5 s) that a build without git
 * dependencies must not pay (the verifier loads the classes of a method's catch clauses with the class).
 */
public final class FetchGitBuiltin implements Builtin {
    @Override
    public boolean copiesUpstreamSource() {
        return true;
    }

    @Override
    public String name() {
        return "fetch-git";
    }

    @Override
    public void build(BuildJob job) {
        String url = job.drv().env().get("url");
        String rev = job.drv().env().get("rev");
        if (url == null || rev == null || !rev.matches("[0-9a-f]{40}")) {
            throw new BuildFailedException(job.drvPath().baseName() + ": builtin:fetch-git needs env 'url' and a full "
                    + "commit id 'rev'");
        }
        Path clone = job.buildDir().resolve("clone");
        Path out = job.outputs().get("out");
        try {
            GitTreeExport.export(url, rev, clone, out);
        } catch (IOException e) {
            throw new StoreIOException("cannot fetch " + url + " at " + rev, e);
        } finally {
            Canonicaliser.deleteTree(clone);
        }
    }
}
