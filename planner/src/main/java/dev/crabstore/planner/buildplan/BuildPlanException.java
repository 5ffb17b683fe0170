package dev.crabstore.planner.buildplan;

import dev.crabstore.core.InvalidFormatException;

/**
 * A legacy {@code cargo build --build-plan} document is malformed, or does not fit the workspace's cargo metadata;
 * the message names the file, the invocation index and the problem.
 */
public class BuildPlanException extends InvalidFormatException {
    public BuildPlanException(String message) {
        super(message);
    }

    public BuildPlanException(String message, Throwable cause) {
        super(message, cause);
    }
}
