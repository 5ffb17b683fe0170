package dev.crabstore.planner.derive;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import java.util.List;
import java.util.Map;

/**
 * One derivation per unit of the unit graph (index-aligned), with their {@code .drv} paths and output paths, and
 * the unit indices in dependency order (every unit after its dependencies).
 */
public record UnitDerivationPlan(List<Derivation> derivations, List<StorePath> drvPaths, List<StorePath> outputs,
        Map<StorePath, Derivation> byPath, List<Integer> order) {
    public UnitDerivationPlan {
        order = List.copyOf(order);
        derivations = List.copyOf(derivations);
        drvPaths = List.copyOf(drvPaths);
        outputs = List.copyOf(outputs);
        byPath = Map.copyOf(byPath);
    }
}
