package dev.crabstore.cli;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code crabstore store path-info PATH…}: what the store knows of valid paths, like {@code nix path-info}. */
@Command(name = "path-info", mixinStandardHelpOptions = true,
        description = "Show NAR hash, size, references and signatures of store paths.")
public final class StorePathInfoCommand implements Runnable {
    private final CliContext context;

    @Option(names = {"-r", "--recursive"}, description = "The closures of the paths (every path they refer to).")
    boolean recursive;

    @Option(names = {"-S", "--closure-size"}, description = "Also print each path's closure size (bytes of NAR).")
    boolean closureSize;

    @Option(names = "--json", description = "Print a JSON array, like 'nix path-info --json'.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Store paths (/crabstore/store/<hash>-<name>).")
    List<String> paths;

    public StorePathInfoCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        StoreHome home = StoreHome.fromEnvironment(context.env());
        StoreDir sd = home.storeDir();
        JsonMapper mapper = JsonMapper.builder().build();
        ArrayNode array = mapper.createArrayNode();
        int missing = 0;
        try (LocalStore store = LocalStore.open(home, Clock.systemUTC())) {
            java.util.List<StorePath> wanted = new java.util.ArrayList<>();
            for (String s : paths) {
                StorePath p = store.followLinksToStorePath(s);
                if (store.query(p).isEmpty()) {
                    context.err().println("error: path '" + s + "' is not valid in the store");
                    missing++;
                    continue;
                }
                wanted.add(p);
            }
            java.util.Collection<StorePath> shown = recursive ? closure(store, wanted) : wanted;
            for (StorePath p : shown) {
                PathInfo info = store.query(p).orElseThrow();
                long closure = closureSize ? closure(store, List.of(p)).stream()
                        .mapToLong(q -> store.query(q).orElseThrow().narSize()).sum() : -1;
                if (json) {
                    ObjectNode o = toJson(mapper, sd, info);
                    store.provenance(p).ifPresent(j -> o.set("provenance", mapper.readTree(j)));
                    if (closureSize) {
                        o.put("closureSize", closure);
                    }
                    array.add(o);
                } else {
                    context.out().println(sd.print(p) + "\t" + info.narHash() + "\t" + info.narSize()
                            + (closureSize ? "\t" + closure : ""));
                }
            }
        }
        if (json) {
            context.out().println(array.toString());
        }
        if (missing > 0) {
            throw new InvalidFormatException(missing + " of the given paths are not valid");
        }
    }

    /** The paths and everything they refer to, transitively, sorted. */
    static java.util.SortedSet<StorePath> closure(LocalStore store, java.util.Collection<StorePath> roots) {
        java.util.SortedSet<StorePath> seen = new java.util.TreeSet<>();
        java.util.Deque<StorePath> todo = new java.util.ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            StorePath p = todo.pop();
            if (seen.add(p)) {
                store.query(p).ifPresent(i -> todo.addAll(i.references()));
            }
        }
        return seen;
    }

    static ObjectNode toJson(JsonMapper mapper, StoreDir sd, PathInfo info) {
        ObjectNode o = mapper.createObjectNode();
        o.put("path", sd.print(info.path()));
        o.put("narHash", info.narHash().toSri());
        o.put("narSize", info.narSize());
        ArrayNode refs = o.putArray("references");
        info.references().forEach(r -> refs.add(sd.print(r)));
        info.deriver().ifPresent(d -> o.put("deriver", sd.print(d)));
        o.put("registrationTime", info.registrationTime());
        if (!info.signatures().isEmpty()) {
            ArrayNode sigs = o.putArray("signatures");
            info.signatures().forEach(sigs::add);
        }
        info.contentAddress().ifPresent(ca -> o.put("ca", ca.toString()));
        return o;
    }
}
