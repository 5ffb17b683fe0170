package dev.crabstore.cli;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code crabstore why-depends A B}: the shortest chain of references from A to B, and for each link the files of
 * the referrer that hold the next path's hash, as {@code nix why-depends} shows.
 */
@Command(name = "why-depends", mixinStandardHelpOptions = true,
        description = "Show why store path A depends on store path B: the chain of references and, for each step, "
                + "the files that mention the next path.")
public final class WhyDependsCommand implements Runnable {
    private final CliContext context;

    @Parameters(index = "0", paramLabel = "A")
    String from;

    @Parameters(index = "1", paramLabel = "B")
    String to;

    public WhyDependsCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(context.env()), Clock.systemUTC())) {
            StoreDir sd = store.storeDir();
            StorePath a = valid(store, from);
            StorePath b = valid(store, to);
            Map<StorePath, StorePath> parent = new HashMap<>();
            Deque<StorePath> todo = new ArrayDeque<>(List.of(a));
            parent.put(a, a);
            while (!todo.isEmpty() && !parent.containsKey(b)) {
                StorePath p = todo.poll();
                for (StorePath r : store.query(p).orElseThrow().references()) {
                    if (!parent.containsKey(r)) {
                        parent.put(r, p);
                        todo.add(r);
                    }
                }
            }
            if (!parent.containsKey(b)) {
                context.err().println("'" + sd.print(a) + "' does not depend on '" + sd.print(b) + "'");
                return;
            }
            List<StorePath> chain = new ArrayList<>();
            for (StorePath p = b; !p.equals(a); p = parent.get(p)) {
                chain.add(0, p);
            }
            chain.add(0, a);
            context.out().println(sd.print(a));
            for (int i = 1; i < chain.size(); i++) {
                StorePath referrer = chain.get(i - 1);
                StorePath next = chain.get(i);
                String indent = "  ".repeat(i);
                context.out().println(indent + "└───" + sd.print(next));
                for (String where : mentions(store.realPath(referrer), next.hashPart())) {
                    context.out().println(indent + "    (" + where + ")");
                }
            }
        }
    }

    private static StorePath valid(LocalStore store, String arg) {
        StorePath p = store.followLinksToStorePath(arg);
        if (!store.isValid(p)) {
            throw new InvalidFormatException("path '" + arg + "' is not valid in the store");
        }
        return p;
    }

    /** The files (and byte offsets) under {@code root} that contain {@code hash}, at most five. */
    private static List<String> mentions(Path root, String hash) {
        List<String> out = new ArrayList<>();
        byte[] needle = hash.getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : (Iterable<Path>) s.sorted()::iterator) {
                if (out.size() >= 5) {
                    break;
                }
                if (Files.isSymbolicLink(f)) {
                    if (Files.readSymbolicLink(f).toString().contains(hash)) {
                        out.add(root.relativize(f) + ": symlink");
                    }
                } else if (Files.isRegularFile(f)) {
                    long at = indexOf(f, needle);
                    if (at >= 0) {
                        String rel = root.relativize(f).toString();
                        out.add((rel.isEmpty() ? root.getFileName().toString() : rel) + " at byte " + at);
                    }
                }
            }
        } catch (IOException e) {
            out.add("cannot read " + root + ": " + e.getMessage());
        }
        return out;
    }

    private static long indexOf(Path f, byte[] needle) throws IOException {
        byte[] buf = new byte[1 << 16];
        long base = 0;
        int len = 0;
        try (InputStream in = Files.newInputStream(f)) {
            for (int r; (r = in.read(buf, len, buf.length - len)) > 0; ) {
                len += r;
                outer:
                for (int i = 0; i + needle.length <= len; i++) {
                    for (int k = 0; k < needle.length; k++) {
                        if (buf[i + k] != needle[k]) {
                            continue outer;
                        }
                    }
                    return base + i;
                }
                int keep = Math.min(len, needle.length - 1);
                System.arraycopy(buf, len - keep, buf, 0, keep);
                base += len - keep;
                len = keep;
            }
        }
        return -1;
    }
}
