package dev.crabstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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

    /**
     * {@code -j} as cargo 1.95 reads it, for every command that takes it: 0 is refused ("jobs may not be 0"), a
     * negative N is the cores minus |N|, at least 1 ({@code -j -100} on 2 cores: 1). Both were taken as they were.
     */
    @Test
    void jobsAreReadAsCargoReadsThem() {
        for (String[] cmd : List.of(new String[] {"build"}, new String[] {"test"}, new String[] {"fetch"},
                new String[] {"store", "verify"}, new String[] {"realise", "/crabstore/store/x.drv"})) {
            List<String> args = new java.util.ArrayList<>(List.of(cmd));
            args.addAll(1, List.of("-j", "0"));
            if (cmd[0].equals("store")) {
                args = List.of("store", "verify", "-j", "0");
            }
            CliRun r = CliRun.run(args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), args + ": " + r.stderr());
            assertTrue(r.stderr().startsWith("error: Invalid value for option '--jobs': jobs may not be 0"),
                    args + ": " + r.stderr());
        }
        CliRun word = CliRun.run("build", "--jobs", "many");
        assertEquals(2, word.exitCode(), word.stderr());
        assertTrue(word.stderr().contains("the number of parallel jobs must be `default` or a number"), word.stderr());
        assertEquals(1, JobsConverter.jobs("-100", 2));
        assertEquals(1, JobsConverter.jobs("-1", 2));
        assertEquals(5, JobsConverter.jobs("-3", 8));
        assertEquals(3, JobsConverter.jobs("3", 8));
        assertEquals(8, JobsConverter.jobs("default", 8));
    }
}
