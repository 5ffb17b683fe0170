package dev.crabstore.core.drv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.ContentAddressMethod;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The verified vectors of nix-formats.md §9 (storeDir /crabstore/store, x86_64-linux, /bin/sh), rebuilt with the
 * builder API. {@code DerivationNixTest} checks more shapes against the real nix on this machine.
 */
class DerivationVectorsTest {
    static final StoreDir SD = StoreDir.DEFAULT;
    final Map<StorePath, Derivation> known = new HashMap<>();
    final DerivationHasher hasher = new DerivationHasher(SD, known::get);

    static Derivation.Builder base(String name) {
        return Derivation.newBuilder().name(name).system("x86_64-linux").builder("/bin/sh");
    }

    StorePath register(Derivation d) {
        StorePath p = d.drvPath(SD);
        known.put(p, d);
        return p;
    }

    static Derivation foo(DerivationHasher h) {
        return base("foo").args("-c", "echo > $out").buildInputAddressed(h);
    }

    static Derivation fooOutDev(DerivationHasher h) {
        return base("foo").args("-c", "echo > $out").outputs("out", "dev").buildInputAddressed(h);
    }

    static Derivation src() {
        // derivation { name = "src"; …; outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = … }
        Hash narT = Hash.parse("sha256:08aq2ywm3a5jrm1k3c3ibb7jqkpd2wv6wzaqj5ynsbpsyvpw4wr6");
        return base("src").buildFixedOutput(SD, new ContentAddress(ContentAddressMethod.NAR, narT));
    }

    @Test
    void foo() {
        Derivation d = foo(hasher);
        assertEquals("gax4shfg673nbzw5dvq11zis8sfcc1hv-foo.drv", d.drvPath(SD).baseName());
        assertEquals("m90n9zmwjd4jy4aq881nf7nzi6g3nhq1-foo", d.outputPaths().get("out").baseName());
        assertEquals("/crabstore/store/m90n9zmwjd4jy4aq881nf7nzi6g3nhq1-foo", d.env().get("out"));
    }

    @Test
    void fooWithOutAndDev() {
        Derivation d = fooOutDev(hasher);
        assertEquals("125aq8s2xh9c3qn2kpk2s02k7i0gdl5i-foo.drv", d.drvPath(SD).baseName());
        assertEquals("ns1wfsqbdp2flwbb6jpl7nqhr7ljx9mm-foo", d.outputPaths().get("out").baseName());
        assertEquals("ysm5pzv74252cv3gjc4zkrbrilwxj5qj-foo-dev", d.outputPaths().get("dev").baseName());
        assertEquals("out dev", d.env().get("outputs"));
    }

    @Test
    void fixedOutputSrc() {
        Derivation d = src();
        assertEquals("fih7qgs8ixcii5qhwx7rwv46w583s3dr-src.drv", d.drvPath(SD).baseName());
        assertEquals("rqv4q2gcl7jrlp9r6x19xcps26qjk1rn-src", d.outputPaths().get("out").baseName());
    }

    /**
     * bar as Nix 2.8 wrote it here (nix-instantiate, see DerivationNixTest for the live comparison). The doc's bar
     * vector (8n6145…) does not give its exact expression, so this one uses attributes dev and src.
     */
    @Test
    void barDependingOnFooDevAndSrc() {
        Derivation foo = fooOutDev(hasher);
        Derivation src = src();
        StorePath fooDrv = register(foo);
        StorePath srcDrv = register(src);
        Derivation bar = base("bar").args("-c", "echo > $out")
                .inputDrv(fooDrv, "dev").env("dev", SD.print(foo.outputPaths().get("dev")))
                .inputDrv(srcDrv, "out").env("src", SD.print(src.outputPaths().get("out")))
                .env("FOO", "a\"b\\c\nd\te")
                .buildInputAddressed(hasher);
        String expected = "Derive([(\"out\",\"/crabstore/store/s78k32y16l6v5a3z5snq1k0vag4fnkbr-bar\",\"\",\"\")],"
                + "[(\"/crabstore/store/125aq8s2xh9c3qn2kpk2s02k7i0gdl5i-foo.drv\",[\"dev\"]),"
                + "(\"/crabstore/store/fih7qgs8ixcii5qhwx7rwv46w583s3dr-src.drv\",[\"out\"])],[],\"x86_64-linux\","
                + "\"/bin/sh\",[\"-c\",\"echo > $out\"],[(\"FOO\",\"a\\\"b\\\\c\\nd\\te\"),(\"builder\",\"/bin/sh\"),"
                + "(\"dev\",\"/crabstore/store/ysm5pzv74252cv3gjc4zkrbrilwxj5qj-foo-dev\"),(\"name\",\"bar\"),"
                + "(\"out\",\"/crabstore/store/s78k32y16l6v5a3z5snq1k0vag4fnkbr-bar\"),"
                + "(\"src\",\"/crabstore/store/rqv4q2gcl7jrlp9r6x19xcps26qjk1rn-src\"),(\"system\",\"x86_64-linux\")])";
        assertEquals(expected, bar.render(SD));
        assertEquals(555, bar.render(SD).length());
        assertEquals("8zknpxy9slic3zx7mq3f3mkcrw0yy60v-bar.drv", bar.drvPath(SD).baseName());
        assertEquals(bar, AtermParser.parse(expected, SD, "bar.drv"));
    }

    @Test
    void hashPlaceholder() {
        assertEquals("/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9", OutputPaths.hashPlaceholder("out"));
    }
}
