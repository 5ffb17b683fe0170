package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crabstore.planner.unit.UnitTarget;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness names of {@code N test harnesses failed: …}, as cargo describes the targets. */
class TestHarnessLabelTest {
    static UnitTarget target(String kind, String name) {
        return new UnitTarget(List.of(kind), List.of(kind.equals("lib") ? "lib" : "bin"), name, "src/x.rs", "2021",
                false, false, true);
    }

    @Test
    void unitTestsSayTest() {
        assertEquals("greet (lib test)", TestCommand.label("greet", target("lib", "greet")));
        assertEquals("hello (bin \"hello\" test)", TestCommand.label("hello", target("bin", "hello")));
    }

    @Test
    void anIntegrationTestOrBenchIsOnlyItsKindAndName() {
        // it said `hello (test "cli" test)`
        assertEquals("hello (test \"cli\")", TestCommand.label("hello", target("test", "cli")));
        assertEquals("hello (bench \"speed\")", TestCommand.label("hello", target("bench", "speed")));
    }
}
