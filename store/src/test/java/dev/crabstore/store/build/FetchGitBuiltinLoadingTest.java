package dev.crabstore.store.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

/**
 * JGit's jar is signed: the first class loaded from it costs a signature check of the whole jar (0.3-0.5 s of every
 * build, measured with JFR). Every build makes a {@link FetchGitBuiltin}; only one that fetches a git source may
 * touch JGit.
 */
class FetchGitBuiltinLoadingTest {
    /** A loader of crabstore's and JGit's classes alone, which tells which classes it has loaded. */
    static final class Probe extends URLClassLoader {
        Probe(URL... urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }
    }

    static URL where(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }

    @Test
    void makingTheBuiltinLoadsNoJgitClass() throws Exception {
        try (Probe loader = new Probe(where(FetchGitBuiltin.class), where(dev.crabstore.core.CrabstoreException.class),
                where(org.eclipse.jgit.api.Git.class))) {
            Class<?> c = Class.forName(FetchGitBuiltin.class.getName(), true, loader);
            Object builtin = c.getConstructor().newInstance();
            assertEquals("fetch-git", c.getMethod("name").invoke(builtin));
            assertFalse(loader.loaded("org.eclipse.jgit.api.errors.GitAPIException"));
            assertFalse(loader.loaded("org.eclipse.jgit.api.Git"));
            // The probe does see JGit: the export class, once loaded and linked, pulls it in.
            Class.forName(FetchGitBuiltin.class.getPackageName() + ".GitTreeExport", true, loader)
                    .getDeclaredMethods();
            assertTrue(loader.loaded("org.eclipse.jgit.api.errors.GitAPIException"));
        }
    }
}
