package dev.crabstore.cli;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.timing.TimingNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** {@code crabstore graph}: the unit graph of a workspace with store paths and whether each output is in the store. */
@Command(name = "graph", mixinStandardHelpOptions = true,
        description = "Print the unit graph of a cargo workspace: one node per compilation unit (crate, version, kind, "
                + "output store path, valid or missing in the local store), one edge per dependency.")
public final class GraphCommand implements Runnable {
    private final CliContext context;

    @Mixin
    CargoSelectionOptions cargo;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "dot",
            description = "dot (default: Graphviz source), svg (drawn by Graphviz's dot when it is on the PATH, else "
                    + "by crabstore's own layered layout) or json.")
    String format;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    public GraphCommand(CliContext context) {
        this.context = context;
    }

    /** A unit and whether its output is valid in the local store. */
    record GraphUnit(TimingNode node, boolean valid) {
        String status() {
            return valid ? "valid" : "missing";
        }
    }

    @Override
    public void run() {
        if (!List.of("dot", "svg", "json").contains(format)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--format must be dot, svg or json, not '" + format + "'");
        }
        List<GraphUnit> units = new ArrayList<>();
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(context.env()), Clock.systemUTC())) {
            WorkspaceBuilder.Planned planned = new WorkspaceBuilder(store, context.env())
                    .plan(cargo.workspace(), cargo.selection(), cargo.buildPlan());
            StoreDir sd = store.storeDir();
            dev.crabstore.planner.unit.UnitGraph graph = planned.cargo().unitGraph();
            int n = graph.units().size();
            for (TimingNode t : TimingNodes.of(planned, sd)) {
                if (t.id() < n) { // the units; their source derivations are not drawn
                    // Edges are cargo's dependencies between units, not every input of a derivation (sources, and
                    // the build-script runs whose directives reach dependents' links, are no nodes here).
                    List<Integer> deps = graph.unit(t.id()).dependencies().stream()
                            .map(dev.crabstore.planner.unit.UnitDependency::index).distinct().sorted().toList();
                    TimingNode unit = new TimingNode(t.id(), t.name(), t.version(), t.kind(), t.packageId(),
                            t.target(), t.drvPath(), t.outPath(), deps);
                    units.add(new GraphUnit(unit, store.isValid(sd.parsePath(t.outPath()))));
                }
            }
        }
        String text = switch (format) {
            case "json" -> json(units);
            case "svg" -> svg(units);
            default -> dot(units);
        };
        context.out().print(text);
        context.out().flush();
    }

    static String dot(List<GraphUnit> units) {
        StringBuilder sb = new StringBuilder("digraph units {\n  rankdir=RL;\n  node [shape=box, style=\"rounded,filled\", "
                + "fontname=\"sans-serif\", fontsize=10];\n");
        for (GraphUnit u : units) {
            TimingNode t = u.node();
            sb.append(String.format("  u%d [label=\"%s\\n%s\\n%s\", fillcolor=\"%s\"%s, tooltip=\"%s\"];%n", t.id(),
                    esc(t.name() + " " + t.version()), esc(t.kind() + " · " + u.status()), esc(baseName(t.outPath())),
                    fill(u), u.valid() ? "" : ", style=\"rounded,filled,dashed\"", esc(t.drvPath())));
        }
        for (GraphUnit u : units) {
            for (int d : u.node().deps()) {
                sb.append(String.format("  u%d -> u%d;%n", u.node().id(), d));
            }
        }
        return sb.append("}\n").toString();
    }

    static String json(List<GraphUnit> units) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (GraphUnit u : units) {
            TimingNode t = u.node();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", t.id());
            m.put("name", t.name());
            m.put("version", t.version());
            m.put("kind", t.kind());
            m.put("packageId", t.packageId());
            m.put("target", t.target());
            m.put("drvPath", t.drvPath());
            m.put("outPath", t.outPath());
            m.put("status", u.status());
            m.put("deps", t.deps());
            list.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("units", list);
        return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(root) + "\n";
    }

    /** Graphviz's drawing when {@code dot} is installed; otherwise (or if it fails) our own layered one. */
    String svg(List<GraphUnit> units) {
        if (onPath("dot")) {
            try {
                Process p = new ProcessBuilder("dot", "-Tsvg").redirectError(ProcessBuilder.Redirect.DISCARD).start();
                byte[] input = dot(units).getBytes(StandardCharsets.UTF_8);
                Thread writer = new Thread(() -> {
                    try (var in = p.getOutputStream()) {
                        in.write(input);
                    } catch (IOException e) {
                        // dot exited early: its exit code says so
                    }
                });
                writer.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                writer.join();
                if (p.waitFor() == 0 && out.contains("<svg")) {
                    return out;
                }
                context.err().println("warning: Graphviz's dot failed; drawing the graph without it");
            } catch (IOException e) {
                context.err().println("warning: cannot run Graphviz's dot (" + e.getMessage() + "); drawing the graph "
                        + "without it");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return layered(units);
    }

    static String layered(List<GraphUnit> units) {
        List<LayeredSvg.Node> nodes = new ArrayList<>();
        for (GraphUnit u : units) {
            TimingNode t = u.node();
            nodes.add(new LayeredSvg.Node(t.id(), List.of(t.name() + " " + t.version(), t.kind() + " · " + u.status(),
                    baseName(t.outPath())), t.name() + " " + t.version() + " " + t.kind() + " (" + u.status() + ")\n"
                    + t.drvPath() + "\n-> " + t.outPath(), fill(u), !u.valid(), t.deps()));
        }
        return LayeredSvg.render(nodes);
    }

    private static String fill(GraphUnit u) {
        return u.valid() ? "#dcfce7" : "#f3f4f6";
    }

    private static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private boolean onPath(String tool) {
        String path = context.env().get("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
