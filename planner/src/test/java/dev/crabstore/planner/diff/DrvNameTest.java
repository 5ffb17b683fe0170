package dev.crabstore.planner.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.core.path.StorePath;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrvNameTest {
    @Test
    void namesTheAPlannerGives() {
        assertEquals(Optional.of(new DrvName("itoa", "1.0.9", "")), DrvName.parse("itoa-1.0.9.drv"));
        assertEquals(Optional.of(new DrvName("serde", "1.0.147", "-build-script-run")),
                DrvName.parse("serde-1.0.147-build-script-run.drv"));
        assertEquals(Optional.of(new DrvName("textkit-cli", "0.1.0", "-bin-textkit")),
                DrvName.parse("textkit-cli-0.1.0-bin-textkit"));
        assertEquals(Optional.of(new DrvName("hex", "0.4.3", ".crate")), DrvName.parse("hex-0.4.3.crate.drv"));
        assertEquals(Optional.of(new DrvName("x25519-dalek", "2.0.0-rc.3", "-source")),
                DrvName.parse("x25519-dalek-2.0.0-rc.3-source"));
        assertEquals(Optional.empty(), DrvName.parse("hello.drv"));
        // a git checkout: its commit is its version, so a new commit pairs with the old one (a review saw "removed"
        // and "added")
        assertEquals(Optional.of(new DrvName("gd", "1c4ef315f6f9", "-source")),
                DrvName.parse("gd-1c4ef315f6f9-source.drv"));
        assertEquals(DrvName.parse("gd-1c4ef315f6f9-source.drv").get().versionlessKey(),
                DrvName.parse("gd-8b34184ccc16-source.drv").get().versionlessKey());
    }

    @Test
    void inputsPairByPathThenNameThenVersion() {
        StorePath a1 = StorePath.parseBaseName("00000000000000000000000000000000-itoa-1.0.9.drv");
        StorePath b1 = StorePath.parseBaseName("11111111111111111111111111111111-itoa-1.0.10.drv");
        StorePath a2 = StorePath.parseBaseName("22222222222222222222222222222222-log-0.4.17.drv");
        StorePath a3 = StorePath.parseBaseName("33333333333333333333333333333333-memchr-2.5.0.drv");
        StorePath b3 = StorePath.parseBaseName("44444444444444444444444444444444-memchr-2.5.0.drv");
        StorePath b4 = StorePath.parseBaseName("55555555555555555555555555555555-ahash-0.7.6.drv");
        InputPairing p = InputPairing.of(List.of(a1, a2, a3), List.of(b1, a2, b3, b4));
        assertEquals(List.of(new InputPairing.Pair(a1, b1), new InputPairing.Pair(a2, a2),
                new InputPairing.Pair(a3, b3)), p.pairs());
        assertEquals(List.of(), p.onlyA());
        assertEquals(List.of(b4), p.onlyB());
    }
}
