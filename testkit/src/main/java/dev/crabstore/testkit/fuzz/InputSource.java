package dev.crabstore.testkit.fuzz;

import java.util.List;
import java.util.Random;

/** Makes one input from a random source; the same {@link Random} state gives the same input. */
@FunctionalInterface
public interface InputSource {
    FuzzInput next(Random r);

    /** Each call picks one of {@code sources} at random (weights by repetition). */
    static InputSource mix(List<InputSource> sources) {
        List<InputSource> all = List.copyOf(sources);
        return r -> all.get(r.nextInt(all.size())).next(r);
    }

    static InputSource mix(InputSource... sources) {
        return mix(List.of(sources));
    }
}
