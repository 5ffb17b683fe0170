package dev.crabstore.cli;

import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code crabstore hash file FILE}: the flat hash of a file's bytes, as {@code nix hash file} prints it. */
@Command(name = "file", mixinStandardHelpOptions = true, description = "Hash the contents of each FILE.")
public final class HashFileCommand implements Runnable {
    private final CliContext context;

    @Mixin
    HashFormatOptions format;

    @Parameters(arity = "1..*", paramLabel = "FILE")
    java.util.List<Path> files;

    public HashFileCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        for (Path f : files) {
            HashingOutputStream h = HashingOutputStream.discarding(format.algorithm());
            try (InputStream in = Files.newInputStream(f)) {
                in.transferTo(h);
            } catch (NoSuchFileException e) {
                throw new StoreIOException("cannot hash " + f + ": no such file");
            } catch (IOException e) {
                throw new StoreIOException("cannot hash " + f, e);
            }
            context.out().println(format.format(h.hash()));
        }
    }
}
