package dev.crabstore.store.cargo;

import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.planner.unit.UnitLayout;
import java.util.ArrayList;
import java.util.List;

/** cargo's target-dir layout with every hash set to {@link CargoOracle#HASH}: the oracle's view of paths. */
final class CargoLikeLayout implements UnitLayout {
    private final UnitGraph graph;
    private final CargoMetadata metadata;
    private final String workspace;
    private final String targetDir;

    CargoLikeLayout(UnitGraph graph, CargoMetadata metadata, String workspace, String targetDir) {
        this.graph = graph;
        this.metadata = metadata;
        this.workspace = workspace;
        this.targetDir = targetDir;
    }

    private String profileDir(Unit u, boolean forTarget) {
        String name = u.profile().name();
        String p = name.equals("dev") || name.equals("test") ? "debug" : name.equals("bench") ? "release" : name;
        return forTarget && u.platform() != null ? targetDir + "/" + u.platform() + "/" + p : targetDir + "/" + p;
    }

    private String pkgName(Unit u) {
        return metadata.pkg(u.pkgId(), "layout").name();
    }

    @Override
    public String workspaceRoot() {
        return workspace;
    }

    @Override
    public String packageDir(MetadataPackage pkg) {
        return pkg.manifestDir();
    }

    @Override
    public String outDir(int unit) {
        Unit u = graph.unit(unit);
        if (u.isBuildScriptCompile()) {
            return profileDir(u, false) + "/build/" + pkgName(u) + "-" + CargoOracle.HASH;
        }
        if (u.target().isExample()) {
            return profileDir(u, true) + "/examples";
        }
        return profileDir(u, true) + "/deps";
    }

    @Override
    public List<String> dependencyDirs(int unit) {
        Unit u = graph.unit(unit);
        List<String> dirs = new ArrayList<>();
        dirs.add(profileDir(u, true) + "/deps");
        if (u.platform() != null) {
            dirs.add(profileDir(u, false) + "/deps");
        }
        return dirs;
    }

    @Override
    public String buildScriptOutDir(int runUnit) {
        Unit u = graph.unit(runUnit);
        return profileDir(u, true) + "/build/" + pkgName(u) + "-" + CargoOracle.HASH + "/out";
    }

    @Override
    public String buildScriptProgram(int compileUnit) {
        return outDir(compileUnit) + "/" + graph.unit(compileUnit).target().name();
    }

    @Override
    public String binaryPath(int binUnit) {
        Unit u = graph.unit(binUnit);
        return profileDir(u, true) + "/" + u.target().name();
    }

    @Override
    public String targetTmpDir() {
        return targetDir + "/tmp";
    }
}
