package dev.crabstore.cli;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.drv.AtermParser;
import dev.crabstore.core.drv.Derivation;
import dev.crabstore.core.drv.DerivationOutput;
import dev.crabstore.core.drv.InvalidDerivationException;
import dev.crabstore.core.path.StoreDir;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedSet;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code crabstore drv show FILE.drv}: prints a derivation as JSON, as {@code nix show-derivation} prints it. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print a .drv file as JSON, like 'nix show-derivation'.")
public final class DrvShowCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.drv", description = "The derivation file (ATerm).")
    Path file;

    @Option(names = "--store-dir", paramLabel = "DIR", defaultValue = "/crabstore/store",
            description = "The logical store directory the derivation refers to (default: ${DEFAULT-VALUE}).")
    String storeDir;

    private final CliContext context;

    public DrvShowCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        StoreDir sd = new StoreDir(storeDir);
        Path drvFile = file.toString().endsWith(".drv") ? physical(file) : deriverOf(file);
        Derivation d = AtermParser.parse(read(drvFile), sd, drvFile.toString());
        JsonMapper mapper = JsonMapper.builder().build();
        ObjectNode root = mapper.createObjectNode();
        root.set(sd.print(d.drvPath(sd)), toJson(mapper, d, sd));
        spec.commandLine().getOut().println(NixStyleJson.print(root));
        spec.commandLine().getOut().flush();
    }

    /**
     * For an output (or a {@code target/} link to one), the derivation that built it, as {@code nix show-derivation}
     * shows an output's deriver: the store records it.
     */
    private Path deriverOf(Path output) {
        String notDrv = output + " is not a derivation (.drv) file";
        if (!Files.exists(output) && !output.toString().startsWith(storeDir)) {
            throw new InvalidFormatException("derivation file '" + output + "' does not exist");
        }
        try (dev.crabstore.store.local.LocalStore store = dev.crabstore.store.local.LocalStore.open(
                dev.crabstore.store.local.StoreHome.fromEnvironment(context.env()), java.time.Clock.systemUTC())) {
            if (!store.storeDir().path().equals(storeDir)) {
                throw new InvalidFormatException(notDrv);
            }
            dev.crabstore.core.path.StorePath p;
            try {
                p = store.followLinksToStorePath(output.toString());
            } catch (dev.crabstore.core.CrabstoreException e) {
                throw new InvalidFormatException(notDrv + ", nor in the store");
            }
            dev.crabstore.core.path.StorePath drv = store.query(p).flatMap(i -> i.deriver()).orElseThrow(() ->
                    new InvalidFormatException(notDrv + ", and the store knows no derivation of "
                            + store.storeDir().print(p)));
            return store.realPath(drv);
        }
    }

    /**
     * Where {@code file} is on this machine: a logical store path (as every command prints them) is looked up in the
     * store under {@code CRABSTORE_HOME} when it is not at its logical place.
     */
    private Path physical(Path file) {
        String prefix = storeDir.endsWith("/") ? storeDir : storeDir + "/";
        if (Files.exists(file) || !file.toString().startsWith(prefix)) {
            return file;
        }
        return dev.crabstore.store.local.StoreHome.fromEnvironment(context.env()).realStoreDir()
                .resolve(file.toString().substring(prefix.length()));
    }

    private static String read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidFormatException("derivation file '" + file + "' does not exist");
        } catch (IOException e) {
            throw new InvalidFormatException("cannot read derivation file '" + file + "': " + e.getMessage(), e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidDerivationException(file + ": is not valid UTF-8");
        }
    }

    /** The object {@code nix show-derivation} prints for one derivation, with its key order. */
    static ObjectNode toJson(JsonMapper mapper, Derivation d, StoreDir sd) {
        ObjectNode o = mapper.createObjectNode();
        ObjectNode outputs = o.putObject("outputs");
        for (Map.Entry<String, DerivationOutput> e : d.outputs().entrySet()) {
            ObjectNode out = outputs.putObject(e.getKey());
            if (e.getValue().pathOrNull() != null) {
                out.put("path", sd.print(e.getValue().pathOrNull()));
            }
            if (e.getValue() instanceof DerivationOutput.Fixed fx) {
                out.put("hashAlgo", fx.methodAlgo());
                out.put("hash", fx.ca().hash().toBase16());
            } else if (e.getValue() instanceof DerivationOutput.CaFloating ca) {
                out.put("hashAlgo", ca.methodAlgo());
            }
        }
        ArrayNode srcs = o.putArray("inputSrcs");
        d.inputSrcs().forEach(p -> srcs.add(sd.print(p)));
        ObjectNode drvs = o.putObject("inputDrvs");
        for (Map.Entry<dev.crabstore.core.path.StorePath, SortedSet<String>> e : d.inputDrvs().entrySet()) {
            ArrayNode names = drvs.putArray(sd.print(e.getKey()));
            e.getValue().forEach(names::add);
        }
        o.put("system", d.system());
        o.put("builder", d.builder());
        ArrayNode args = o.putArray("args");
        d.args().forEach(args::add);
        ObjectNode env = o.putObject("env");
        d.env().forEach(env::put);
        return o;
    }
}
