package dev.crabstore.cli;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.timing.TimingNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The units of a planned build as the timing report and {@code crabstore graph} show them: the unit graph's units
 * first (id = unit index; name, version and kind from cargo metadata), then the derivations that fetch and unpack
 * package sources (kind {@code source}), in store path order; dependencies are the derivations' input derivations.
 */
final class TimingNodes {
    private TimingNodes() {}

    static List<TimingNode> of(WorkspaceBuilder.Planned planned, StoreDir sd) {
        return of(planned, sd, List.of());
    }

    /** As above, then one node per test run (kind {@code test-run}), after the sources. */
    static List<TimingNode> of(WorkspaceBuilder.Planned planned, StoreDir sd,
            List<dev.crabstore.planner.derive.TestRunPlanner.TestRun> runs) {
        UnitGraph g = planned.cargo().unitGraph();
        List<StorePath> drvPaths = planned.plan().drvPaths();
        Map<StorePath, Integer> ids = new HashMap<>();
        for (int i = 0; i < drvPaths.size(); i++) {
            ids.put(drvPaths.get(i), i);
        }
        Map<StorePath, Derivation> sources = new TreeMap<>();
        planned.plan().byPath().forEach((p, d) -> {
            if (!ids.containsKey(p)) {
                sources.put(p, d);
            }
        });
        for (StorePath p : sources.keySet()) {
            ids.put(p, ids.size());
        }
        List<TimingNode> nodes = new ArrayList<>();
        for (int i = 0; i < drvPaths.size(); i++) {
            Unit u = g.unit(i);
            MetadataPackage p = planned.cargo().metadata().pkg(u.pkgId(), "cargo metadata");
            String name = u.target().name().replace('-', '_').equals(p.name().replace('-', '_'))
                    || u.isBuildScriptCompile() || u.isRunCustomBuild() ? p.name() : p.name() + "/" + u.target().name();
            nodes.add(node(i, name, p.version(), UnitLabels.kind(u), u.pkgId(), u.target().name(), drvPaths.get(i),
                    planned.plan().derivations().get(i), ids, sd));
        }
        for (Map.Entry<StorePath, Derivation> e : sources.entrySet()) {
            nodes.add(node(ids.get(e.getKey()), e.getValue().name(), "", "source", "", "", e.getKey(), e.getValue(), ids,
                    sd));
        }
        for (dev.crabstore.planner.derive.TestRunPlanner.TestRun r : runs) {
            ids.put(r.drvPath(), ids.size());
        }
        for (dev.crabstore.planner.derive.TestRunPlanner.TestRun r : runs) {
            TimingNode harness = nodes.get(r.unit());
            nodes.add(node(ids.get(r.drvPath()), harness.name(), harness.version(), "test-run", harness.packageId(),
                    harness.target(), r.drvPath(), r.drv(), ids, sd));
        }
        return nodes;
    }

    private static TimingNode node(int id, String name, String version, String kind, String pkgId, String target,
            StorePath drvPath, Derivation d, Map<StorePath, Integer> ids, StoreDir sd) {
        List<Integer> deps = d.inputDrvs().keySet().stream().map(ids::get).filter(java.util.Objects::nonNull).sorted()
                .toList();
        String out = d.outputPaths().values().stream().findFirst().map(sd::print).orElse("");
        return new TimingNode(id, name, version, kind, pkgId, target, sd.print(drvPath), out, deps);
    }
}
