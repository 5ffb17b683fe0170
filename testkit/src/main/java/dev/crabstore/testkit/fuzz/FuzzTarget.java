package dev.crabstore.testkit.fuzz;

/**
 * Feeds one input to the code under test. It returns normally when the input was accepted, and throws whatever the
 * code throws when it was not; {@link Fuzzer} decides whether that was a documented, typed rejection.
 */
@FunctionalInterface
public interface FuzzTarget {
    void run(byte[] input) throws Exception;
}
