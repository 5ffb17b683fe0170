package dev.crabstore.testkit.fuzz;

/**
 * One generated input and how it was made ({@code truncate+utf8}, {@code hostile-symlink}), which becomes part of its
 * corpus file name.
 */
public record FuzzInput(String how, byte[] data) {
    public FuzzInput {
        how = how.replaceAll("[^A-Za-z0-9+_.-]", "_");
    }
}
