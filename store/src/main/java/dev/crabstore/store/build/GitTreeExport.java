package dev.crabstore.store.build;

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
 * The tree of one commit of a git repository, written out without {@code .git} (through JGit). The only class of
 * {@link FetchGitBuiltin} that uses JGit, so that JGit's signed jar is opened only when a git source is fetched.
 */
final class GitTreeExport {
    private GitTreeExport() {}

    /** Clones {@code url} bare into {@code clone} and writes the tree of commit {@code rev} to {@code out}. */
    static void export(String url, String rev, Path clone, Path out) throws IOException {
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
        } catch (GitAPIException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
