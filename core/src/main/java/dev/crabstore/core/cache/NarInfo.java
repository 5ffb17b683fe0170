package dev.crabstore.core.cache;

import dev.crabstore.core.InvalidFormatException;
import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.StoreDir;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.sign.SecretKey;
import dev.crabstore.core.sign.Signature;
import dev.crabstore.core.sign.TrustedKeys;
import dev.crabstore.core.store.PathInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A binary cache's {@code <hashPart>.narinfo}: a path's {@link PathInfo} plus where and how its NAR file is stored.
 * Parsed and rendered exactly as Nix does (nix-formats.md §5): LF only, the value starts two characters after the
 * first colon, unknown keys ignored, a missing {@code Compression} means bzip2, {@code References: } always written.
 */
public record NarInfo(PathInfo info, String url, String compression, Optional<Hash> fileHash, OptionalLong fileSize,
        Optional<String> system) {

    public NarInfo {
        if (url == null || url.isEmpty()) {
            throw new InvalidNarInfoException("narinfo of " + info.path() + " has no URL");
        }
        if (compression == null || compression.isEmpty()) {
            compression = "bzip2";
        }
    }

    public StorePath path() {
        return info.path();
    }

    public static NarInfo parse(String text, StoreDir storeDir, String source) {
        StorePath path = null;
        String url = null;
        String compression = null;
        Hash fileHash = null;
        Long fileSize = null;
        Hash narHash = null;
        Long narSize = null;
        SortedSet<StorePath> refs = new TreeSet<>();
        boolean haveRefs = false;
        StorePath deriver = null;
        String system = null;
        SortedSet<String> sigs = new TreeSet<>();
        ContentAddress ca = null;
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            int lineNo = n + 1;
            if (line.isEmpty()) {
                if (n == lines.length - 1) {
                    continue;
                }
                throw error(source, lineNo, "empty line");
            }
            if (line.indexOf('\r') >= 0) {
                throw error(source, lineNo, "carriage return (narinfo files use LF line endings only)");
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw error(source, lineNo, "no ':' in '" + line + "'");
            }
            String key = line.substring(0, colon);
            String value = line.length() >= colon + 2 ? line.substring(colon + 2) : "";
            try {
                switch (key) {
                    case "StorePath" -> path = storeDir.parsePath(value);
                    case "URL" -> url = value;
                    case "Compression" -> compression = value;
                    case "FileHash" -> fileHash = Hash.parse(value);
                    case "FileSize" -> fileSize = parseSize(value, source, lineNo);
                    case "NarHash" -> narHash = Hash.parse(value);
                    case "NarSize" -> narSize = parseSize(value, source, lineNo);
                    case "References" -> {
                        if (!value.isEmpty()) {
                            if (haveRefs) {
                                throw error(source, lineNo, "a second References line");
                            }
                            haveRefs = true;
                            for (String r : value.split(" ")) {
                                if (!r.isEmpty()) {
                                    refs.add(StorePath.parseBaseName(r));
                                }
                            }
                        }
                    }
                    case "Deriver" -> deriver = value.equals("unknown-deriver") ? null : StorePath.parseBaseName(value);
                    case "System" -> system = value;
                    case "Sig" -> sigs.add(value);
                    case "CA" -> {
                        if (ca != null) {
                            throw error(source, lineNo, "a second CA line");
                        }
                        ca = ContentAddress.parse(value);
                    }
                    default -> {
                        // Unknown keys are ignored, as Nix does.
                    }
                }
            } catch (InvalidNarInfoException e) {
                throw e;
            } catch (InvalidFormatException e) {
                throw error(source, lineNo, key + ": " + e.getMessage());
            }
        }
        if (path == null) {
            throw error(source, 0, "no StorePath");
        }
        if (url == null || url.isEmpty()) {
            throw error(source, 0, "no URL");
        }
        if (narHash == null) {
            throw error(source, 0, "no NarHash");
        }
        if (narSize == null || narSize == 0) {
            throw error(source, 0, "no NarSize, or NarSize 0");
        }
        PathInfo info;
        try {
            info = new PathInfo(path, narHash, narSize, refs, Optional.ofNullable(deriver), sigs,
                    Optional.ofNullable(ca), 0);
        } catch (InvalidFormatException e) {
            throw error(source, 0, e.getMessage());
        }
        return new NarInfo(info, url, compression, Optional.ofNullable(fileHash),
                fileSize == null ? OptionalLong.empty() : OptionalLong.of(fileSize), Optional.ofNullable(system));
    }

    private static long parseSize(String value, String source, int line) {
        try {
            long v = Long.parseLong(value);
            if (v < 0) {
                throw error(source, line, "negative size " + value);
            }
            return v;
        } catch (NumberFormatException e) {
            throw error(source, line, "'" + value + "' is not a size");
        }
    }

    private static InvalidNarInfoException error(String source, int line, String message) {
        return new InvalidNarInfoException(source + (line > 0 ? ":" + line : "") + ": invalid narinfo: " + message);
    }

    /** The file's text, field for field as Nix writes it. */
    public String render(StoreDir storeDir) {
        StringBuilder sb = new StringBuilder();
        line(sb, "StorePath", storeDir.print(info.path()));
        line(sb, "URL", url);
        line(sb, "Compression", compression);
        fileHash.ifPresent(h -> line(sb, "FileHash", h.toString()));
        fileSize.ifPresent(s -> line(sb, "FileSize", Long.toString(s)));
        line(sb, "NarHash", info.narHash().toString());
        line(sb, "NarSize", Long.toString(info.narSize()));
        List<String> refs = new ArrayList<>();
        info.references().forEach(r -> refs.add(r.baseName()));
        line(sb, "References", String.join(" ", refs));
        info.deriver().ifPresent(d -> line(sb, "Deriver", d.baseName()));
        system.ifPresent(s -> line(sb, "System", s));
        info.signatures().forEach(s -> line(sb, "Sig", s));
        info.contentAddress().ifPresent(ca -> line(sb, "CA", ca.toString()));
        return sb.toString();
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append(": ").append(value).append('\n');
    }

    public String fingerprint(StoreDir storeDir) {
        return info.fingerprint(storeDir);
    }

    /** A copy with {@code key}'s signature of the fingerprint added. */
    public NarInfo sign(SecretKey key, StoreDir storeDir) {
        return new NarInfo(info.withSignature(key.sign(fingerprint(storeDir)).toString()), url, compression, fileHash,
                fileSize, system);
    }

    /**
     * Whether a client with {@code trusted} keys may accept this path: a valid signature by a trusted key, or (as
     * Nix allows) a content address that really gives its store path, which needs no signature.
     */
    public boolean isTrusted(TrustedKeys trusted, StoreDir storeDir) {
        if (isContentAddressed(storeDir)) {
            return true;
        }
        List<Signature> sigs = new ArrayList<>();
        for (String s : info.signatures()) {
            try {
                sigs.add(Signature.parse(s));
            } catch (InvalidFormatException e) {
                // A junk signature is ignored, as Nix ignores it.
            }
        }
        return trusted.trusts(fingerprint(storeDir), sigs);
    }

    /** Whether the CA field, recomputed, gives exactly this store path. */
    public boolean isContentAddressed(StoreDir storeDir) {
        if (info.contentAddress().isEmpty()) {
            return false;
        }
        SortedSet<StorePath> others = new TreeSet<>(info.references());
        boolean self = others.remove(info.path());
        try {
            return storeDir.makeFixedOutputPath(info.path().name(), info.contentAddress().get(), others, self)
                    .equals(info.path());
        } catch (InvalidFormatException e) {
            return false;
        }
    }
}
