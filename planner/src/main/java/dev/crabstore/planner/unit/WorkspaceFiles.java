package dev.crabstore.planner.unit;

import java.util.List;
import java.util.Objects;

/**
 * Files of the workspace outside any package that members' units see at their place ({@code .crabstore.toml}'s
 * {@code workspace-files}): one source store path holding them, and its top-level entries, each linked as
 * {@code /build/ws/<entry>} in the sandbox of every member's unit.
 *
 * @param storePath the printed store path of the tree
 * @param entries   its top-level names
 */
public record WorkspaceFiles(String storePath, List<String> entries) {
    public WorkspaceFiles {
        Objects.requireNonNull(storePath, "storePath");
        entries = List.copyOf(entries);
        for (String e : entries) {
            if (e.isEmpty() || e.contains("/") || e.equals(".") || e.equals("..")) {
                throw new IllegalArgumentException("not a top-level name: '" + e + "'");
            }
        }
    }
}
