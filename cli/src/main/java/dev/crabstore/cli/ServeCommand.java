package dev.crabstore.cli;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.store.StoreIOException;
import dev.crabstore.store.cache.Compression;
import dev.crabstore.store.local.LocalStore;
import dev.crabstore.store.local.StoreHome;
import dev.crabstore.store.serve.BearerToken;
import dev.crabstore.store.serve.CacheContents;
import dev.crabstore.store.serve.CacheServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code crabstore serve}: the local store as a Nix binary cache over HTTP, until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the local store as a Nix binary cache over HTTP (nix-cache-info, narinfos signed on "
                + "the fly, compressed NARs), optionally accepting uploads. Runs until interrupted (Ctrl-C).")
public final class ServeCommand implements Runnable {
    private final CliContext context;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:5000",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; port 0 picks a free port).")
    String listen;

    @Option(names = "--sign", paramLabel = "KEYFILE", description = "Sign the narinfos of local paths with this "
            + "secret key file (crabstore key generate).")
    Path signKey;

    @Option(names = "--allow-push", paramLabel = "TOKENFILE", description = "Accept PUT uploads carrying "
            + "'Authorization: Bearer <token>', where the token is this file's content (at least 16 characters).")
    Path tokenFile;

    @Option(names = "--compression", paramLabel = "C", defaultValue = "zstd",
            description = "NAR compression: zstd (default), xz, bzip2, gzip or none (NARs streamed from the store).")
    String compression;

    @Option(names = {"-v", "--verbose"}, description = "Log one line per request on standard error.")
    boolean verbose;

    public ServeCommand(CliContext context) {
        this.context = context;
    }

    static InetSocketAddress parseListen(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new InvalidFormatException("invalid --listen '" + s + "': expected HOST:PORT, e.g. 127.0.0.1:5000");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new InvalidFormatException("invalid --listen '" + s + "': the port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidFormatException("invalid --listen '" + s + "': the port must be 0 to 65535");
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new InvalidFormatException("invalid --listen '" + s + "': unknown host '" + host + "'");
        }
        return a;
    }

    @Override
    public void run() {
        InetSocketAddress address = parseListen(listen);
        Compression c = Compression.parse(compression);
        Optional<SecretKey> key = Optional.ofNullable(signKey).map(ServeCommand::readKey);
        Optional<BearerToken> token = Optional.ofNullable(tokenFile).map(BearerToken::read);
        Optional<Consumer<String>> log = verbose ? Optional.of(context.err()::println) : Optional.empty();
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch cleanedUp = new CountDownLatch(1);
        try (LocalStore store = LocalStore.open(StoreHome.fromEnvironment(context.env()), Clock.systemUTC())) {
            CacheServer server = CacheServer.start(address, CacheContents.forStore(store, key, c), token, log,
                    context.err()::println);
            Thread hook = new Thread(() -> {
                server.stop(1);
                stopped.countDown();
                // Let the command close the store before the JVM halts.
                try {
                    cleanedUp.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "crabstore-serve-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            context.out().println("serving " + store.storeDir().path() + " on " + server.url());
            context.out().flush();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.close();
            }
        } finally {
            cleanedUp.countDown();
        }
    }

    private static SecretKey readKey(Path file) {
        try {
            return SecretKey.parse(Files.readString(file));
        } catch (IOException e) {
            throw new StoreIOException("cannot read the secret key file " + file, e);
        }
    }
}
