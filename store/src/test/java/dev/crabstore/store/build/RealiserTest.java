package dev.crabstore.store.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationHasher;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.fetch.VerifiedDownloader;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.sandbox.BwrapSandbox;
import dev.crabstore.testkit.Corpus;
import dev.crabstore.testkit.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real derivations realised into a real store, with real bubblewrap. */
class RealiserTest {
    static final StoreDir SD = StoreDir.DEFAULT;

    @TempDir
    Path dir;

    LocalStore store;
    final Map<StorePath, Derivation> drvs = new HashMap<>();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void open() {
        Tools.require("bwrap");
        store = LocalStore.open(new StoreHome(dir.resolve("home"), SD), Clock.systemUTC());
    }

    @AfterEach
    void close() {
        store.close();
    }

    Realiser realiser(boolean keepGoing) {
        return realiser(keepGoing, 2);
    }

    Realiser realiser(boolean keepGoing, int jobs) {
        return new Realiser(store, BwrapSandbox.find(System.getenv()).orElseThrow(),
                List.of(new FetchUrlBuiltin(new VerifiedDownloader(Duration.ofSeconds(10))), new UnpackCrateBuiltin()),
                List.of(), jobs, keepGoing, Duration.ofSeconds(60), new BuildListener() {
                    @Override
                    public void fresh(StorePath p, Derivation d) {
                        events.add("fresh " + d.name());
                    }

                    @Override
                    public void built(StorePath p, Derivation d, String log, long ms) {
                        events.add("built " + d.name());
                    }

                    @Override
                    public void failed(StorePath p, Derivation d, String message) {
                        events.add("failed " + d.name() + ": " + message);
                    }
                });
    }

    StorePath add(Derivation d) {
        String aterm = d.render(SD);
        StorePath p = store.addText(d.name() + ".drv", aterm.getBytes(StandardCharsets.UTF_8), d.references());
        assertEquals(d.drvPath(SD, aterm), p);
        drvs.put(p, d);
        return p;
    }

    Derivation.Builder base(String name, String builder) {
        return Derivation.newBuilder().name(name).system("x86_64-linux").builder(builder);
    }

    StorePath fetchCrate(Path crate, Hash sha) {
        return add(base(crate.getFileName().toString(), "builtin:fetchurl").env("url", crate.toUri().toString())
                .buildFixedOutput(SD, new ContentAddress(ContentAddressMethod.FLAT, sha)));
    }

    StorePath unpack(StorePath fetchDrv, String top) {
        Derivation fetch = drvs.get(fetchDrv);
        return add(base(top + "-source", "builtin:unpack-crate").inputDrv(fetchDrv, "out")
                .env("src", SD.print(fetch.outputPaths().get("out"))).env("top", top)
                .buildInputAddressed(new DerivationHasher(SD, drvs::get)));
    }

    @Test
    void fetchesUnpacksAndBuildsInTheSandbox() throws Exception {
        Corpus.workspace("small");
        Path crate;
        try (var s = Files.list(Corpus.corpusDir().resolve("registry"))) {
            crate = s.filter(p -> p.getFileName().toString().startsWith("memchr-")).findFirst().orElseThrow();
        }
        String top = crate.getFileName().toString().replace(".crate", "");
        StorePath fetch = fetchCrate(crate, Hash.sha256(Files.readAllBytes(crate)));
        StorePath src = unpack(fetch, top);
        StorePath srcOut = drvs.get(src).outputPaths().get("out");
        // A sandboxed shell build that reads the unpacked source and refers to it.
        StorePath use = add(base("use-src", "/bin/sh").inputDrv(src, "out")
                .args("-c", "read -r first < " + SD.print(srcOut) + "/Cargo.toml; /bin/mkdir $out; "
                        + "echo \"$first\" > $out/first; echo " + SD.print(srcOut) + " > $out/ref; "
                        + "test -e /work && echo LEAK > $out/leak; true")
                .buildInputAddressed(new DerivationHasher(SD, drvs::get)));
        Map<StorePath, Realiser.Outcome> r = realiser(false).realise(List.of(use));
        assertTrue(r.get(use).succeeded(), r.get(use).error().orElse(""));
        StorePath out = r.get(use).outputs().get("out");
        Path real = store.realPath(out);
        assertFalse(Files.readString(real.resolve("first")).isBlank());
        assertFalse(Files.exists(real.resolve("leak")), "the sandbox hides the host");
        assertEquals(Set.of(srcOut), store.query(out).orElseThrow().references());
        assertEquals(use, store.query(out).orElseThrow().deriver().orElseThrow());
        assertEquals(List.of("built " + crate.getFileName(), "built " + top + "-source", "built use-src"), events);
        events.clear();
        realiser(false).realise(List.of(use));
        assertEquals(List.of("fresh use-src"), events, "everything valid: nothing rebuilt, inputs not even visited");
    }

    /** A plan's derivations, handed over as written, are used as they are: no .drv is read back and parsed. */
    @Test
    void derivationsItIsToldOfAreNotReadBack() {
        StorePath a = add(base("told-a", "/bin/sh").args("-c", "/bin/mkdir $out").buildInputAddressed(
                new DerivationHasher(SD, drvs::get)));
        StorePath b = add(base("told-b", "/bin/sh").inputDrv(a, "out").args("-c", "/bin/mkdir $out")
                .buildInputAddressed(new DerivationHasher(SD, drvs::get)));
        Realiser r = realiser(false).knowing(drvs);
        assertSame(drvs.get(a), r.load(a));
        Map<StorePath, Realiser.Outcome> out = r.realise(List.of(b));
        assertTrue(out.get(b).succeeded(), out.get(b).error().orElse(""));
        assertSame(drvs.get(b), r.load(b));
        assertEquals(List.of("built told-a", "built told-b"), events);
    }

    /**
     * Of the builds that are ready, the one more builds wait for goes first, as in cargo: with one job, the bottom of
     * a chain of three is built before five independent leaves, and the next link as soon as it is ready.
     */
    @Test
    void buildsWhatMostUnitsWaitForFirst() {
        DerivationHasher hasher = new DerivationHasher(SD, drvs::get);
        StorePath c1 = add(base("chain-1", "/bin/sh").args("-c", "/bin/mkdir $out").buildInputAddressed(hasher));
        StorePath c2 = add(base("chain-2", "/bin/sh").inputDrv(c1, "out").args("-c", "/bin/mkdir $out")
                .buildInputAddressed(hasher));
        StorePath c3 = add(base("chain-3", "/bin/sh").inputDrv(c2, "out").args("-c", "/bin/mkdir $out")
                .buildInputAddressed(hasher));
        Derivation.Builder root = base("root", "/bin/sh").inputDrv(c3, "out").args("-c", "/bin/mkdir $out");
        for (int i = 0; i < 5; i++) {
            root.inputDrv(add(base("leaf-" + i, "/bin/sh").args("-c", "/bin/mkdir $out").buildInputAddressed(hasher)),
                    "out");
        }
        StorePath r = add(root.buildInputAddressed(hasher));
        assertTrue(realiser(false, 1).realise(List.of(r)).get(r).succeeded(), events.toString());
        assertEquals(List.of("built chain-1", "built chain-2"), events.subList(0, 2), events.toString());
        assertEquals("built root", events.get(events.size() - 1));
    }

    /**
     * A requested derivation that is valid already is not expanded, but its inputs can still be in the closure
     * through another one (a lib built by {@code build}, then {@code build --tests}): scheduling must not look at
     * them as its dependents (a NullPointerException in the priority computation before).
     */
    @Test
    void aValidRootWhoseInputsAnotherRootNeeds() {
        DerivationHasher h = new DerivationHasher(SD, drvs::get);
        StorePath shared = add(base("shared", "/bin/sh").args("-c", "/bin/mkdir $out").buildInputAddressed(h));
        StorePath lib = add(base("lib", "/bin/sh").inputDrv(shared, "out").args("-c", "/bin/mkdir $out")
                .buildInputAddressed(h));
        StorePath test = add(base("test", "/bin/sh").inputDrv(shared, "out").inputDrv(lib, "out")
                .args("-c", "/bin/mkdir $out").buildInputAddressed(h));
        assertTrue(realiser(false, 1).realise(List.of(lib)).get(lib).succeeded(), events.toString());
        Map<StorePath, Realiser.Outcome> r = realiser(false, 1).realise(List.of(lib, test));
        assertTrue(r.get(lib).succeeded() && r.get(test).succeeded(), r.toString());
        assertEquals("built test", events.get(events.size() - 1), events.toString());
    }

    /**
     * A requested derivation whose outputs are valid is not expanded, so an input of it that another requested
     * derivation needs comes later in the build order. Ordering by waiting dependents failed on it with a
     * NullPointerException (seen building corpus small into a store that held medium).
     */
    @Test
    void aValidDerivationWhoseInputIsNeededElsewhereComesFirst() {
        DerivationHasher hasher = new DerivationHasher(SD, drvs::get);
        StorePath shared = add(base("shared", "/bin/sh").args("-c", "/bin/mkdir $out").buildInputAddressed(hasher));
        StorePath done = add(base("done", "/bin/sh").inputDrv(shared, "out").args("-c", "/bin/mkdir $out")
                .buildInputAddressed(hasher));
        StorePath todo = add(base("todo", "/bin/sh").inputDrv(shared, "out").args("-c", "/bin/mkdir $out")
                .buildInputAddressed(hasher));
        assertTrue(realiser(false).realise(List.of(done)).get(done).succeeded(), events.toString());
        store.database().invalidate(drvs.get(shared).outputPaths().get("out")); // as if collected
        events.clear();
        Map<StorePath, Realiser.Outcome> r = realiser(false).realise(List.of(done, todo));
        assertTrue(r.get(done).succeeded() && r.get(todo).succeeded(), events.toString());
        assertEquals(List.of("fresh done", "built shared", "built todo"), events);
    }

    /**
     * Two realisers on one store (as two processes would be) given the same derivation at once: one builds it, the
     * other waits for its lock and reports it built elsewhere, not fresh and not built.
     */
    @Test
    void aDerivationAnotherStoreUserIsBuildingIsWaitedForAndBuiltElsewhere() throws Exception {
        StorePath slow = add(base("slow", "/bin/sh").args("-c", "/bin/sleep 2; /bin/mkdir $out")
                .buildInputAddressed(new DerivationHasher(SD, drvs::get)));
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        List<String> other = Collections.synchronizedList(new ArrayList<>());
        try (LocalStore second = LocalStore.open(store.home(), Clock.systemUTC())) {
            java.util.concurrent.CompletableFuture<Map<StorePath, Realiser.Outcome>> first = java.util.concurrent
                    .CompletableFuture.supplyAsync(() -> new Realiser(store, BwrapSandbox.find(System.getenv())
                            .orElseThrow(), List.of(), List.of(), 1, false, Duration.ofSeconds(60),
                            new BuildListener() {
                                @Override
                                public void started(StorePath p, Derivation d) {
                                    started.countDown();
                                }

                                @Override
                                public void built(StorePath p, Derivation d, String log, long ms) {
                                    events.add("built " + d.name());
                                }
                            }).realise(List.of(slow)));
            assertTrue(started.await(60, java.util.concurrent.TimeUnit.SECONDS));
            Map<StorePath, Realiser.Outcome> r = new Realiser(second, BwrapSandbox.find(System.getenv())
                    .orElseThrow(), List.of(), List.of(), 1, false, Duration.ofSeconds(60), new BuildListener() {
                        @Override
                        public void fresh(StorePath p, Derivation d) {
                            other.add("fresh " + d.name());
                        }

                        @Override
                        public void builtElsewhere(StorePath p, Derivation d) {
                            other.add("built elsewhere " + d.name());
                        }

                        @Override
                        public void started(StorePath p, Derivation d) {
                            other.add("started " + d.name());
                        }
                    }).realise(List.of(slow));
            assertTrue(r.get(slow).succeeded());
            assertTrue(first.get().get(slow).succeeded());
        }
        assertEquals(List.of("built slow"), events);
        assertEquals(List.of("built elsewhere slow"), other);
    }

    @Test
    void aWrongHashFailsAndRegistersNothing() throws Exception {
        Path crate = Files.writeString(dir.resolve("x-1.0.0.crate"), "not what the lockfile says");
        StorePath fetch = fetchCrate(crate, Hash.sha256("something else"));
        Map<StorePath, Realiser.Outcome> r = realiser(false).realise(List.of(fetch));
        assertFalse(r.get(fetch).succeeded());
        assertTrue(r.get(fetch).error().orElseThrow().contains("hash mismatch"), r.get(fetch).error().orElseThrow());
        assertFalse(store.isValid(drvs.get(fetch).outputPaths().get("out")));
        try (var s = Files.list(store.scratchRoot())) {
            assertEquals(0, s.count(), "scratch dirs are cleaned up");
        }
    }

    @Test
    void keepGoingBuildsWhatItCan() {
        DerivationHasher h = new DerivationHasher(SD, drvs::get);
        StorePath bad = add(base("bad", "/bin/sh").args("-c", "echo compile error >&2; exit 3").buildInputAddressed(h));
        StorePath dependent = add(base("dependent", "/bin/sh").inputDrv(bad, "out").args("-c", "/bin/touch $out")
                .buildInputAddressed(h));
        StorePath good = add(base("good", "/bin/sh").args("-c", "echo ok > $out").buildInputAddressed(h));
        Map<StorePath, Realiser.Outcome> r = realiser(true).realise(List.of(dependent, good));
        assertTrue(r.get(good).succeeded());
        assertFalse(r.get(dependent).succeeded());
        assertTrue(r.get(dependent).error().orElseThrow().contains("dependency"), r.get(dependent).error().get());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("failed bad") && e.contains("compile error")
                && e.contains("exit code 3")), events.toString());
        assertFalse(store.isValid(drvs.get(bad).outputPaths().get("out")));
    }
}
