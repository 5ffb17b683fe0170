package dev.crabstore.store.timing;

import java.util.OptionalDouble;

/** A source of CPU use: each call answers the share of all cores that was busy since the previous call. */
public interface CpuUsage {
    /** Empty on the first call, or when the system does not tell. */
    OptionalDouble sinceLast();
}
