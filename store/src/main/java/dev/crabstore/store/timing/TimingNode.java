package dev.crabstore.store.timing;

import java.util.List;

/**
 * A unit of a build as the timing report and {@code crabstore graph} show it, known from the plan before anything
 * runs: {@code id} is its index in the report, {@code kind} a label such as {@code lib}, {@code bin},
 * {@code build-script}, {@code run-build-script} or {@code source} (a fetched or unpacked package source),
 * {@code packageId} and {@code target} cargo's package id and target name (empty for a source), and {@code deps} the
 * ids of the units it needs.
 */
public record TimingNode(int id, String name, String version, String kind, String packageId, String target,
        String drvPath, String outPath, List<Integer> deps) {
    public TimingNode {
        deps = List.copyOf(deps);
    }

    /** {@code serde 1.0.200 lib}, or the derivation's name for a source. */
    public String label() {
        return version.isEmpty() ? name + " " + kind : name + " " + version + " " + kind;
    }
}
