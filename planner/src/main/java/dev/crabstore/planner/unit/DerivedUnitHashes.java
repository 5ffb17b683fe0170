package dev.crabstore.planner.unit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * crabstore's own {@code -C metadata}/{@code -C extra-filename}: SHA-256 over what identifies a crate instance (package
 * id with local paths made relative to the workspace root, target, mode, platform, features, profile settings (not
 * its name, as cargo's), and the
 * dependencies' hashes), first 16 hex digits. Never includes absolute paths, so moving the checkout keeps them.
 */
public final class DerivedUnitHashes implements UnitHashes {
    private final String[] hashes;

    public DerivedUnitHashes(UnitGraph graph, String workspaceRoot, String toolchainId) {
        hashes = new String[graph.units().size()];
        for (int i = 0; i < hashes.length; i++) {
            compute(graph, i, workspaceRoot, toolchainId, 0);
        }
    }

    private String compute(UnitGraph g, int i, String root, String toolchain, int depth) {
        if (hashes[i] != null) {
            return hashes[i];
        }
        if (depth > g.units().size()) {
            throw new UnitGraphException("unit graph has a dependency cycle through unit " + i);
        }
        Unit u = g.unit(i);
        StringBuilder sb = new StringBuilder("crabstore-unit-v1\n").append(toolchain).append('\n');
        PackageId id = u.packageId();
        String url = id.url();
        if (id.isPath() && url.startsWith("file://")) {
            String path = url.substring(7);
            url = path.equals(root) ? "." : path.startsWith(root + "/") ? path.substring(root.length() + 1) : path;
        }
        sb.append(id.kind()).append('+').append(url).append('#').append(id.name()).append('@').append(id.version());
        sb.append('\n').append(u.target().kind()).append(u.target().crateTypes()).append(u.target().name())
                .append('\n').append(u.mode()).append('\n').append(u.platform()).append('\n').append(u.features())
                .append('\n').append(u.profile().settings()).append('\n').append(u.isStd()).append('\n');
        for (UnitDependency d : u.dependencies()) {
            sb.append(d.externCrateName()).append('=').append(compute(g, d.index(), root, toolchain, depth + 1))
                    .append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            hashes[i] = HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return hashes[i];
    }

    @Override
    public String metadata(int unit) {
        return hashes[unit];
    }

    @Override
    public String extraFilename(int unit) {
        return hashes[unit];
    }
}
