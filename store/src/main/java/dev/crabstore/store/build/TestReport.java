package dev.crabstore.store.build;

import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a test harness run left: its exit code, stdout and stderr, and libtest's counts. Stored as the output of a
 * {@code builtin:test-run} derivation ({@code report.json}, {@code stdout}, {@code stderr}) when it passed; carried in
 * a {@link TestsFailedException}'s message when it failed.
 */
public record TestReport(int exitCode, String stdout, String stderr, Optional<LibtestSummary> summary) {
    static final String MARK_STDOUT = "--- stdout";
    static final String MARK_STDERR = "--- stderr";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public boolean passed() {
        return exitCode == 0;
    }

    static String json(int exitCode, Optional<LibtestSummary> summary) {
        ObjectNode n = JSON.createObjectNode();
        n.put("exitCode", exitCode);
        summary.ifPresent(s -> {
            n.put("passed", s.passed());
            n.put("failed", s.failed());
            n.put("ignored", s.ignored());
            n.put("measured", s.measured());
            n.put("filteredOut", s.filteredOut());
        });
        return JSON.writeValueAsString(n) + "\n";
    }

    /** The report in a test run's output directory. */
    public static TestReport read(Path dir) {
        try {
            JsonNode n = JSON.readTree(Files.readString(dir.resolve("report.json"), StandardCharsets.UTF_8));
            String stdout = Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8);
            String stderr = Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8);
            return new TestReport(n.get("exitCode").asInt(), stdout, stderr, LibtestSummary.parse(stdout));
        } catch (IOException | RuntimeException e) {
            throw new StoreIOException("cannot read the test report in " + dir + ": " + e.getMessage());
        }
    }

    /**
     * The report of a failed run from the message of its {@link TestsFailedException}; empty for any other failure
     * (a failed dependency, a sandbox that could not start).
     */
    public static Optional<TestReport> fromFailure(String message) {
        int out = message.indexOf("\n" + MARK_STDOUT + "\n");
        int err = message.lastIndexOf("\n" + MARK_STDERR + "\n");
        if (!message.startsWith("test harness failed (") || out < 0 || err < out) {
            return Optional.empty();
        }
        String stdout = message.substring(out + MARK_STDOUT.length() + 2, err);
        String stderr = message.substring(err + MARK_STDERR.length() + 2);
        return Optional.of(new TestReport(-1, stdout, stderr, LibtestSummary.parse(stdout)));
    }

    /** Why a failed run failed: {@code exit code 101}, {@code timed out}. */
    public static String failureReason(String message) {
        int close = message.indexOf(")\n");
        return message.startsWith("test harness failed (") && close > 0 ? message.substring(21, close) : message;
    }
}
