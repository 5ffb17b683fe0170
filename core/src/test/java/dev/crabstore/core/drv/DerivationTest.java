package dev.crabstore.core.drv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The record's own validation and immutability, the hasher's memo and errors, and OutputPaths.verify. */
class DerivationTest {
    static final StoreDir SD = StoreDir.DEFAULT;

    static Derivation.Builder base(String name) {
        return DerivationVectorsTest.base(name);
    }

    @Test
    void rejectsInvalidFields() {
        assertThrows(InvalidDerivationException.class, () -> Derivation.newBuilder().system("s").builder("b").build());
        assertThrows(InvalidDerivationException.class, () -> base("a b").build());
        assertThrows(InvalidDerivationException.class, () -> base("x").system("x\"y").build());
        assertThrows(InvalidDerivationException.class, () -> Derivation.newBuilder().name("x").builder("b").build());
        assertThrows(InvalidDerivationException.class, () -> base("x").outputs("out", "drv").build());
        assertThrows(InvalidDerivationException.class, () -> base("x").outputs("out", "a/b").build());
        StorePath notDrv = SD.makeTextPath("x", Hash.sha256("x"), List.of());
        assertThrows(InvalidDerivationException.class, () -> base("x").inputDrv(notDrv, "out").build());
        StorePath drv = SD.makeTextPath("x.drv", Hash.sha256("x"), List.of());
        assertThrows(InvalidDerivationException.class, () -> base("x").inputDrv(drv, List.of()).build());
        StorePath p = SD.makeTextPath("p", Hash.sha256("p"), List.of());
        assertThrows(InvalidDerivationException.class, () -> base("x")
                .output("out", new DerivationOutput.InputAddressed(p)).output("dev", new DerivationOutput.Deferred())
                .build());
        ContentAddress ca = new ContentAddress(ContentAddressMethod.FLAT, Hash.sha256("c"));
        assertThrows(InvalidDerivationException.class, () -> base("x")
                .output("bin", new DerivationOutput.Fixed(p, ca)).build());
        assertThrows(InvalidDerivationException.class, () -> base("x").outputs("out", "dev")
                .buildFixedOutput(SD, ca));
        assertThrows(InvalidDerivationException.class, () -> new DerivationOutput.Fixed(p,
                new ContentAddress(ContentAddressMethod.TEXT, Hash.sha256("c"))));
    }

    @Test
    void isImmutableAndCopiesItsInputs() {
        TreeMap<String, String> env = new TreeMap<>(Map.of("name", "x"));
        TreeMap<String, DerivationOutput> outs = new TreeMap<>(Map.of("out", new DerivationOutput.Deferred()));
        List<String> args = new java.util.ArrayList<>(List.of("a"));
        Derivation d = new Derivation(outs, new TreeMap<>(), new TreeSet<>(), "sys", "b", args, env);
        env.put("extra", "1");
        args.add("b");
        assertEquals(1, d.env().size());
        assertEquals(List.of("a"), d.args());
        assertThrows(UnsupportedOperationException.class, () -> d.env().put("y", "z"));
        assertThrows(UnsupportedOperationException.class, () -> d.args().add("z"));
        assertThrows(UnsupportedOperationException.class, () -> d.outputs().clear());
    }

    @Test
    void hasherMemoisesAndReportsUnknownInputs() {
        Map<StorePath, Derivation> known = new HashMap<>();
        int[] lookups = {0};
        DerivationHasher hasher = new DerivationHasher(SD, p -> {
            lookups[0]++;
            return known.get(p);
        });
        Derivation foo = base("foo").build();
        Derivation fooFinal = OutputPaths.inputAddressed(foo, hasher);
        StorePath fooDrv = fooFinal.drvPath(SD);
        known.put(fooDrv, fooFinal);
        Derivation bar = base("bar").inputDrv(fooDrv, "out").buildInputAddressed(hasher);
        base("baz").inputDrv(fooDrv, "out").buildInputAddressed(hasher);
        assertEquals(1, lookups[0]);
        StorePath missing = SD.makeTextPath("gone.drv", Hash.sha256("x"), List.of());
        InvalidDerivationException e = assertThrows(InvalidDerivationException.class,
                () -> base("q").inputDrv(missing, "out").buildInputAddressed(hasher));
        assertTrue(e.getMessage().contains("gone.drv"), e.getMessage());
        OutputPaths.verify(bar, hasher, "bar");
    }

    @Test
    void verifyFindsWrongOutputPathsAndEnv() {
        DerivationHasher hasher = DerivationHasher.of(SD, Map.of());
        Derivation foo = base("foo").outputs("out", "dev").buildInputAddressed(hasher);
        OutputPaths.verify(foo, hasher, "foo.drv");
        Derivation changed = foo.toBuilder().env("extra", "1").build();
        InvalidDerivationException e = assertThrows(InvalidDerivationException.class,
                () -> OutputPaths.verify(changed, hasher, "foo.drv"));
        assertTrue(e.getMessage().contains("should be"), e.getMessage());
        Derivation badEnv = foo.toBuilder().env("dev", "/crabstore/store/x").build();
        assertThrows(InvalidDerivationException.class, () -> OutputPaths.verify(badEnv, hasher, "foo.drv"));
        // Masking makes the env value of an output irrelevant to the hash, so the only change is the env check.
        assertEquals(hasher.hashModulo(foo, true), hasher.hashModulo(badEnv, true));
        assertNotEquals(hasher.hashModulo(foo), hasher.hashModulo(badEnv));
    }
}
