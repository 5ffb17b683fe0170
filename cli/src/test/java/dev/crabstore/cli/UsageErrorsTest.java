package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A mistyped flag or a missing argument is a usage error: one {@code error: …} line (as every failure prints, see
 * docs/reference.md), a hint, exit code 2, not the whole option list.
 */
class UsageErrorsTest {
    @Test
    void anUnknownOptionIsOneErrorLineWithASuggestion() {
        CliRun r = CliRun.run("test", "--tset", "cli");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("error: Unknown option: '--tset'"), r.stderr());
        assertTrue(r.stderr().contains("--test"), "suggests the option meant: " + r.stderr());
        assertTrue(r.stderr().contains("For more information, try 'crabstore test --help'."), r.stderr());
        assertFalse(r.stderr().contains("--trusted-public-keys=KEYS"), "no full option list: " + r.stderr());
        assertEquals("", r.out());
    }

    @Test
    void missingParametersSayWhichAndExit2() {
        CliRun r = CliRun.run("diff");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("error: Missing required parameters: 'A', 'B'"), r.stderr());
        assertTrue(r.stderr().contains("For more information, try 'crabstore diff --help'."), r.stderr());
    }

    @Test
    void anInvalidValueThrownByACommandIsAnErrorLineToo() {
        CliRun r = CliRun.run("build", "--timings=xml");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("error: --timings must be html or json, not 'xml'"), r.stderr());
        assertTrue(r.stderr().contains("For more information, try 'crabstore build --help'."), r.stderr());
    }

    @Test
    void anUnknownCommandIsAnErrorLine() {
        CliRun r = CliRun.run("tset");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("error: Unmatched argument"), r.stderr());
        assertTrue(r.stderr().contains("test"), "suggests the command meant: " + r.stderr());
        assertTrue(r.stderr().contains("For more information, try 'crabstore --help'."), r.stderr());
    }
}
