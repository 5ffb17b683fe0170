package dev.crabstore.cli;

import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.planner.derive.UnitDerivationPlan;
import dev.crabstore.planner.diff.DerivationDiff;
import dev.crabstore.planner.diff.RebuildReasons;
import dev.crabstore.store.cargo.CargoSelection;
import dev.crabstore.store.cargo.LastBuilds;
import dev.crabstore.store.cargo.WorkspaceBuilder;
import dev.crabstore.store.diff.StoreDerivations;
import dev.crabstore.store.diff.StoreSourceTrees;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code crabstore why-rebuild [selection]}: plans the workspace as it is now (nothing is built), and lists the units
 * whose outputs are not in the store, grouped by root cause against the last {@code crabstore build} of the same
 * workspace and selection.
 */
@Command(name = "why-rebuild", mixinStandardHelpOptions = true,
        description = "Plan the workspace as it is now, without building, and say which units the next build must "
                + "rebuild and why, grouped by root cause (a changed source file, a feature, RUSTFLAGS, a version), "
                + "compared with the last 'crabstore build' of the same workspace and selection.")
public final class WhyRebuildCommand implements Runnable {
    /** The cause when there is nothing to compare with. */
    static final String NO_LAST_BUILD = "no build of this workspace and selection recorded ('crabstore build' "
            + "records one)";

    private final CliContext context;

    @Mixin
    CargoSelectionOptions cargo;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    public WhyRebuildCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        if (cargo.buildPlan() != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "why-rebuild plans with cargo's unit "
                    + "graph; --build-plan is not supported");
        }
        Path ws = cargo.workspace();
        CargoSelection selection = cargo.selection();
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(context.env()), Clock.systemUTC())) {
            StoreDir sd = store.storeDir();
            UnitDerivationPlan plan = new WorkspaceBuilder(store, context.env()).plan(ws, selection).plan();
            List<StorePath> units = new ArrayList<>();
            List<StorePath> must = new ArrayList<>();
            for (int i : plan.order()) {
                units.add(plan.drvPaths().get(i));
                if (!store.isValid(plan.outputs().get(i))) {
                    must.add(plan.drvPaths().get(i));
                }
            }
            Optional<LastBuilds.Record> last = new LastBuilds(store.home()).read(ws, selection);
            List<RebuildReasons.Group> groups;
            if (must.isEmpty()) {
                groups = List.of();
            } else if (last.isEmpty()) {
                groups = List.of(new RebuildReasons.Group(NO_LAST_BUILD, "no-last-build", must));
            } else {
                DerivationDiff diff = new DerivationDiff(sd, new StoreDerivations(store), new StoreSourceTrees(store));
                groups = RebuildReasons.group(last.get().units(), units, must, diff);
            }
            PrintStream out = context.out();
            if (json) {
                out.print(toJson(sd, ws, units.size(), must.size(), last, groups));
            } else {
                print(out, units.size(), must.size(), last, groups);
            }
            out.flush();
        }
    }

    private static void print(PrintStream out, int units, int must, Optional<LastBuilds.Record> last,
            List<RebuildReasons.Group> groups) {
        if (must == 0) {
            out.println("nothing to rebuild: the outputs of all " + units + " units are in the store");
            return;
        }
        out.println(must + " of " + units + " units must be rebuilt" + last.map(r -> " (compared with the build of "
                + r.time().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")").orElse("") + ":");
        for (RebuildReasons.Group g : groups) {
            int n = g.units().size();
            out.println(g.cause() + " (invalidates " + n + (n == 1 ? " unit)" : " units)"));
            g.units().forEach(u -> out.println("    " + name(u)));
        }
    }

    private static String name(StorePath drv) {
        return drv.name().substring(0, drv.name().length() - ".drv".length());
    }

    private static String toJson(StoreDir sd, Path ws, int units, int must, Optional<LastBuilds.Record> last,
            List<RebuildReasons.Group> groups) {
        JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        ObjectNode root = mapper.createObjectNode();
        root.put("workspace", ws.toString());
        root.put("units", units);
        root.put("mustRebuild", must);
        if (last.isPresent()) {
            ObjectNode l = root.putObject("lastBuild");
            l.put("time", last.get().time().toString());
            l.put("units", last.get().units().size());
        } else {
            root.putNull("lastBuild");
        }
        ArrayNode causes = root.putArray("causes");
        for (RebuildReasons.Group g : groups) {
            ObjectNode c = causes.addObject();
            c.put("cause", g.cause());
            c.put("kind", g.kind());
            c.put("count", g.units().size());
            ArrayNode us = c.putArray("units");
            for (StorePath u : g.units()) {
                us.addObject().put("name", name(u)).put("drv", sd.print(u));
            }
        }
        return mapper.writeValueAsString(root) + "\n";
    }
}
