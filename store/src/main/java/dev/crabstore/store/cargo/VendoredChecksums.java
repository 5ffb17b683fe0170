package dev.crabstore.store.cargo;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The per-file checksums of a vendored crate ({@code .cargo-checksum.json}'s {@code files}), checked as cargo checks
 * them: a vendored file that was edited or removed is refused, with cargo's advice to use {@code [patch]} instead.
 */
final class VendoredChecksums {
    private VendoredChecksums() {}

    static void verify(Path crateDir) {
        Path sums = crateDir.resolve(".cargo-checksum.json");
        JsonNode files;
        try {
            files = JsonMapper.builder().build().readTree(Files.readString(sums)).path("files");
        } catch (IOException | RuntimeException e) {
            throw new InvalidFormatException(sums + ": not a valid .cargo-checksum.json: " + e.getMessage());
        }
        for (Map.Entry<String, JsonNode> f : files.properties()) {
            Path file = crateDir.resolve(f.getKey()).normalize();
            if (!file.startsWith(crateDir)) {
                throw new InvalidFormatException(sums + ": lists a file outside the crate: " + f.getKey());
            }
            String actual;
            try (OutputStream sink = OutputStream.nullOutputStream();
                    HashingOutputStream h = new HashingOutputStream(HashAlgorithm.SHA256, sink)) {
                Files.copy(file, h);
                h.flush();
                actual = h.hash().toBase16();
            } catch (NoSuchFileException e) {
                throw new InvalidFormatException("the listed file " + file + " of the vendored crate is missing "
                        + "(" + sums + "); directory sources are not intended to be edited, use [patch] instead");
            } catch (IOException e) {
                throw new StoreIOException("cannot read " + file, e);
            }
            if (!actual.equals(f.getValue().asString())) {
                throw new InvalidFormatException("the listed checksum of " + file + " has changed: expected "
                        + f.getValue().asString() + ", actual " + actual + " (" + sums + "); directory sources are "
                        + "not intended to be edited, use [patch] instead");
            }
        }
    }
}
