package dev.crabstore.cli;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashEncoding;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crabstore hash convert --to ENC HASH…}: re-encodes hashes, like {@code nix hash convert}. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert hashes between base16, nix32, base64 and SRI.")
public final class HashConvertCommand implements Runnable {
    private final CliContext context;

    @Option(names = "--to", paramLabel = "ENC", defaultValue = "sri",
            description = "Output encoding: base16, nix32 (or base32), base64, sri (default).")
    String to;

    @Option(names = "--type", paramLabel = "ALGO",
            description = "Algorithm of hashes given without a prefix (sha256, sha1, sha512, md5).")
    String type;

    @Parameters(arity = "1..*", paramLabel = "HASH")
    List<String> hashes;

    public HashConvertCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        HashEncoding enc = switch (to.toLowerCase(Locale.ROOT)) {
            case "base16", "hex" -> HashEncoding.BASE16;
            case "nix32", "base32" -> HashEncoding.NIX32;
            case "base64" -> HashEncoding.BASE64;
            case "sri" -> HashEncoding.SRI;
            default -> throw new InvalidFormatException("unknown hash encoding '" + to
                    + "' (expected base16, nix32, base64 or sri)");
        };
        for (String s : hashes) {
            Hash h = type != null ? Hash.parse(HashAlgorithm.parse(type), s) : Hash.parse(s);
            context.out().println(h.toString(enc));
        }
    }
}
