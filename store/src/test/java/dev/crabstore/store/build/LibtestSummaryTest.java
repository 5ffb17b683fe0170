package dev.crabstore.store.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** libtest's summary line, and the report of a failed run carried in its exception's message. */
class LibtestSummaryTest {
    @Test
    void readsTheLastSummaryLine() {
        String out = """

                running 3 tests
                test a ... ok
                test b ... FAILED
                test c ... ignored

                test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 2 filtered out; finished in 0.01s

                """;
        assertEquals(Optional.of(new LibtestSummary(false, 1, 1, 1, 0, 2)), LibtestSummary.parse(out));
        assertEquals(Optional.empty(), LibtestSummary.parse("a harness = false test prints what it likes\n"));
        assertTrue(LibtestSummary.parse("test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; "
                + "finished in 0.00s").orElseThrow().ok());
    }

    @Test
    void aFailedRunsOutputSurvivesTheException() {
        String stdout = "running 1 test\ntest x ... FAILED\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; "
                + "0 measured; 0 filtered out; finished in 0.00s\n";
        TestsFailedException e = new TestsFailedException("exit code 101", stdout, "thread panicked\n");
        TestReport r = TestReport.fromFailure(e.getMessage()).orElseThrow();
        assertEquals(stdout, r.stdout());
        assertEquals("thread panicked\n", r.stderr());
        assertEquals(1, r.summary().orElseThrow().failed());
        assertEquals("exit code 101", TestReport.failureReason(e.getMessage()));
        assertEquals(Optional.empty(), TestReport.fromFailure("dependency x.drv failed"));
    }
}
