package dev.crabstore.store.build;

import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.local.Canonicaliser;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * {@code builtin:fetch-git}: the tree of commit env {@code rev} of the repository at env {@code url}, without
 * {@code .git}, written to {@code out} (through JGit; {@code file://} repositories work offline). The commit id
 * pins the contents, as Cargo.lock pins git dependencies.
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
        try (Git git = Git.cloneRepository().setURI(url).setDirectory(clone.toFile()).setBare(true)
                .setCloneAllBranches(true).setTagOption(org.eclipse.jgit.transport.TagOpt.FETCH_TAGS).call()) {
            Repository repo = git.getRepository();
            ObjectId id = ObjectId.fromString(rev);
            RevCommit commit;
            try (RevWalk walk = new RevWalk(repo)) {
                commit = walk.parseCommit(id);
            } catch (org.eclipse.jgit.errors.MissingObjectException e) {
                throw new BuildFailedException("commit " + rev + " is not in " + url);
            }
            Files.createDirectories(out);
            try (TreeWalk tw = new TreeWalk(repo)) {
                tw.addTree(commit.getTree());
                tw.setRecursive(true);
                while (tw.next()) {
                    Path dest = out.resolve(tw.getPathString()).normalize();
                    if (!dest.startsWith(out)) {
                        throw new BuildFailedException(url + " at " + rev + " has an entry outside its tree: "
                                + tw.getPathString());
                    }
                    Files.createDirectories(dest.getParent());
                    FileMode mode = tw.getFileMode(0);
                    if (mode == FileMode.SYMLINK) {
                        String target = new String(repo.open(tw.getObjectId(0)).getBytes(),
                                java.nio.charset.StandardCharsets.UTF_8);
                        Files.createSymbolicLink(dest, Path.of(target));
                    } else if (mode == FileMode.GITLINK) {
                        throw new BuildFailedException(url + " at " + rev + " uses git submodules, which crabstore "
                                + "does not fetch yet");
                    } else {
                        try (OutputStream o = Files.newOutputStream(dest)) {
                            repo.open(tw.getObjectId(0)).copyTo(o);
                        }
                        if (mode == FileMode.EXECUTABLE_FILE) {
                            Files.setPosixFilePermissions(dest, PosixFilePermissions.fromString("rwxr-xr-x"));
                        }
                    }
                }
            }
        } catch (GitAPIException | IOException e) {
            throw new StoreIOException("cannot fetch " + url + " at " + rev, e);
        } finally {
            Canonicaliser.deleteTree(clone);
        }
    }
}
