package dev.crabstore.cli;

import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.unit.BuildScriptOutput;
import dev.crabstore.planner.unit.MetadataPackage;
import dev.crabstore.planner.unit.Unit;
import dev.crabstore.planner.unit.UnitGraph;
import dev.crabstore.store.build.BuildListener;
import dev.crabstore.store.build.Diagnostic;
import dev.crabstore.store.build.Diagnostics;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.local.LocalStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code --message-format json}: cargo's machine-readable messages on stdout, one JSON object per line, as tools that
 * drive {@code cargo build --message-format json} expect them: {@code compiler-artifact} per compiled unit (built or
 * fresh; {@code filenames} and {@code executable} are the files in the store), {@code build-script-executed} per
 * build-script run, {@code compiler-message} per rustc diagnostic (rustc's own JSON, as cargo re-serialises it:
 * {@link CargoDiagnosticJson}; a fresh unit's are those kept when it was built) and a final {@code build-finished}.
 */
final class JsonMessages implements BuildListener {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final PrintStream out;
    private final LocalStore store;
    private final UnitGraph graph;
    private final WorkspaceBuilder.Planned planned;
    private final Map<StorePath, Integer> unitOf = new HashMap<>();
    private final java.util.Set<Integer> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();

    JsonMessages(PrintStream out, LocalStore store, WorkspaceBuilder.Planned planned) {
        this.out = out;
        this.store = store;
        this.planned = planned;
        this.graph = planned.cargo().unitGraph();
        List<StorePath> drvs = planned.plan().drvPaths();
        for (int i = 0; i < drvs.size(); i++) {
            unitOf.put(drvs.get(i), i);
        }
    }

    @Override
    public void fresh(StorePath drvPath, Derivation drv) {
        artifact(drvPath, true);
    }

    @Override
    public void substituted(StorePath drvPath, Derivation drv, String from, long bytes) {
        artifact(drvPath, true); // not compiled here: fetched, as good as fresh
    }

    @Override
    public void built(StorePath drvPath, Derivation drv, String log, long millis) {
        artifact(drvPath, false);
    }

    /**
     * One {@code compiler-message} per diagnostic rustc reported for the unit (built, failed, or fresh and replayed
     * from what was kept), rustc's closing counts left out, as cargo does.
     */
    @Override
    public void diagnostics(StorePath drvPath, Derivation drv, Diagnostics diagnostics) {
        Integer i = unitOf.get(drvPath);
        if (i == null || graph.unit(i).isRunCustomBuild()) {
            return;
        }
        for (Diagnostic d : diagnostics.shown()) {
            if (!d.isPlain()) {
                Map<String, Object> m = head("compiler-message", i);
                m.put("message", CargoDiagnosticJson.of(d.json()));
                emit(m);
            }
        }
    }

    /** The last line: whether the build succeeded. */
    void finished(boolean success) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", "build-finished");
        m.put("success", success);
        emit(m);
    }

    private Map<String, Object> head(String reason, int i) {
        Unit u = graph.unit(i);
        MetadataPackage p = planned.cargo().metadata().pkg(u.pkgId(), "cargo metadata");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", reason);
        m.put("package_id", u.pkgId());
        m.put("manifest_path", p.manifestPath());
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("kind", u.target().kind());
        t.put("crate_types", u.target().crateTypes());
        t.put("name", u.target().name());
        t.put("src_path", u.target().srcPath());
        t.put("edition", u.target().edition());
        t.put("doc", u.target().doc());
        t.put("doctest", u.target().doctest());
        t.put("test", u.target().test());
        m.put("target", t);
        return m;
    }

    private void artifact(StorePath drvPath, boolean fresh) {
        Integer i = unitOf.get(drvPath);
        if (i == null) {
            return; // a source derivation
        }
        if (!reported.add(i)) {
            return;
        }
        Unit u = graph.unit(i);
        Path out = store.realPath(planned.plan().outputs().get(i));
        if (u.isRunCustomBuild()) {
            scriptExecuted(i, out);
            return;
        }
        Map<String, Object> m = head("compiler-artifact", i);
        Map<String, Object> profile = new LinkedHashMap<>();
        profile.put("opt_level", u.profile().optLevel());
        String debuginfo = u.profile().rustcDebuginfo();
        profile.put("debuginfo", debuginfo == null ? 0 : debuginfo.matches("\\d+") ? Integer.parseInt(debuginfo)
                : debuginfo);
        profile.put("debug_assertions", u.profile().debugAssertions());
        profile.put("overflow_checks", u.profile().overflowChecks());
        profile.put("test", u.mode().equals("test"));
        m.put("profile", profile);
        m.put("features", u.features());
        List<String> files = new ArrayList<>();
        String executable = null;
        try (Stream<Path> s = Files.list(out)) {
            for (Path f : (Iterable<Path>) s.sorted()::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".d")) {
                    continue;
                }
                files.add(f.toString());
                // as cargo: bins, tests and examples; a compiled build script is no executable of the package
                if (Files.isExecutable(f) && Files.isRegularFile(f) && !name.endsWith(".so")
                        && (u.target().isBin() || u.mode().equals("test") || u.target().isExample())
                        && !u.isBuildScriptCompile()) {
                    executable = f.toString();
                }
            }
        } catch (IOException e) {
            // a path that vanished (collected) lists nothing
        }
        m.put("filenames", files);
        m.put("executable", executable);
        m.put("fresh", fresh);
        emit(m);
    }

    private void scriptExecuted(int i, Path out) {
        BuildScriptOutput o;
        try {
            o = BuildScriptOutput.parse(Files.readString(out.resolve("output"), StandardCharsets.UTF_8),
                    graph.unit(i).pkgId());
        } catch (IOException e) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", "build-script-executed");
        m.put("package_id", graph.unit(i).pkgId());
        m.put("linked_libs", o.linkLibs());
        m.put("linked_paths", o.linkSearch());
        m.put("cfgs", o.cfgs());
        List<List<String>> env = new ArrayList<>();
        o.env().forEach(e -> env.add(List.of(e.getKey(), e.getValue())));
        m.put("env", env);
        m.put("out_dir", out.resolve("out").toString());
        emit(m);
    }

    private synchronized void emit(Map<String, Object> m) {
        out.println(JSON.writeValueAsString(m));
        out.flush();
    }
}
