package dev.crabstore.cli;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashAlgorithm;
import dev.crabstore.core.hash.HashEncoding;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** {@code --type} and the output encoding shared by the hash commands. Default: {@code sha256:<nix32>}. */
public final class HashFormatOptions {
    @Option(names = "--type", paramLabel = "ALGO", defaultValue = "sha256",
            description = "Hash algorithm: md5, sha1, sha256 (default) or sha512.")
    String type;

    @ArgGroup(exclusive = true)
    Encoding encoding = new Encoding();

    static final class Encoding {
        @Option(names = {"--base32", "--nix32"}, description = "Print algo:<nix32> (the default).")
        boolean nix32;

        @Option(names = "--base16", description = "Print algo:<hex>.")
        boolean base16;

        @Option(names = "--base64", description = "Print algo:<base64>.")
        boolean base64;

        @Option(names = "--sri", description = "Print algo-<base64> (SRI).")
        boolean sri;
    }

    HashAlgorithm algorithm() {
        return HashAlgorithm.parse(type);
    }

    HashEncoding encoding() {
        if (encoding.base16) {
            return HashEncoding.BASE16;
        }
        if (encoding.base64) {
            return HashEncoding.BASE64;
        }
        if (encoding.sri) {
            return HashEncoding.SRI;
        }
        return HashEncoding.NIX32;
    }

    String format(Hash h) {
        return h.toString(encoding());
    }
}
