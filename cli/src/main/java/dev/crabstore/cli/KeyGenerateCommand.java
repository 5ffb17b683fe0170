package dev.crabstore.cli;

import dev.crabstore.core.sign.SecretKey;
import java.security.SecureRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code crabstore key generate --name N}: a new secret key on stdout, like {@code nix key generate-secret}. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Print a new Ed25519 secret key named N (e.g. my-cache-1), as 'nix key generate-secret' does.")
public final class KeyGenerateCommand implements Runnable {
    private final CliContext context;

    @Option(names = "--name", required = true, paramLabel = "N", description = "The key's name, e.g. cache.example.org-1.")
    String name;

    public KeyGenerateCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        // No trailing newline, as Nix writes key files.
        context.out().print(SecretKey.generate(name, new SecureRandom()).toString());
        context.out().flush();
    }
}
