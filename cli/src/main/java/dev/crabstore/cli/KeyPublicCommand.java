package dev.crabstore.cli;

import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/** {@code crabstore key public}: the public key of a secret key read on stdin, like {@code nix key convert-secret-to-public}. */
@Command(name = "public", mixinStandardHelpOptions = true,
        description = "Read a secret key on standard input and print its public key.")
public final class KeyPublicCommand implements Runnable {
    private final CliContext context;

    public KeyPublicCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        String secret;
        try {
            secret = new String(context.in().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreIOException("cannot read the secret key from standard input", e);
        }
        context.out().print(SecretKey.parse(secret).toPublicKey().toString());
        context.out().flush();
    }
}
