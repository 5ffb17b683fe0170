package dev.crabstore.store.build;

/** A test harness ran and failed: {@code reason} (an exit code, a timeout) and what it printed. */
public final class TestsFailedException extends BuildFailedException {
    private static final long serialVersionUID = 1L;

    public TestsFailedException(String reason, String stdout, String stderr) {
        super(message(reason, stdout, stderr));
    }

    /**
     * The harness's output as the message: the Realiser hands only messages to listeners, and the command shows
     * libtest's output of a failed run as cargo test does. The first line names the reason.
     */
    private static String message(String reason, String stdout, String stderr) {
        return "test harness failed (" + reason + ")\n" + TestReport.MARK_STDOUT + "\n" + stdout + "\n"
                + TestReport.MARK_STDERR + "\n" + stderr;
    }
}
