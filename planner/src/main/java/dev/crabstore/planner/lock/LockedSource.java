package dev.crabstore.planner.lock;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a locked package comes from, as Cargo.lock spells it: {@code registry+URL}, {@code sparse+URL} or
 * {@code git+URL?branch=..#COMMIT}. Path packages have no source.
 *
 * @param kind   {@code registry}, {@code sparse} or {@code git}
 * @param url    the URL without the kind prefix, the query and the fragment
 * @param query  the git reference query ({@code branch=x}, {@code tag=x}, {@code rev=x}), or empty
 * @param commit the locked git commit (40 hex digits), empty for registries
 */
public record LockedSource(String kind, String url, Optional<String> query, Optional<String> commit) {
    public LockedSource {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(commit, "commit");
    }

    /** Parses a source string; the message of the exception says what is wrong, without naming the file. */
    public static LockedSource parse(String s) {
        int plus = s.indexOf('+');
        if (plus <= 0) {
            throw new IllegalArgumentException("source '" + s + "' has no kind (registry+, sparse+ or git+)");
        }
        String kind = s.substring(0, plus);
        String rest = s.substring(plus + 1);
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("source '" + s + "' has no URL");
        }
        switch (kind) {
            case "registry", "sparse" -> {
                if (rest.contains("#")) {
                    throw new IllegalArgumentException("registry source '" + s + "' has a fragment");
                }
                return new LockedSource(kind, rest, Optional.empty(), Optional.empty());
            }
            case "git" -> {
                int hash = rest.indexOf('#');
                if (hash < 0) {
                    throw new IllegalArgumentException("git source '" + s + "' has no locked commit (#<sha1>)");
                }
                String commit = rest.substring(hash + 1);
                if (!commit.matches("[0-9a-f]{40}")) {
                    throw new IllegalArgumentException("git source '" + s + "' has commit '" + commit
                            + "', not 40 hex digits");
                }
                String base = rest.substring(0, hash);
                int q = base.indexOf('?');
                Optional<String> query = q >= 0 ? Optional.of(base.substring(q + 1)) : Optional.empty();
                if (query.isPresent() && !query.get().matches("(branch|tag|rev)=[^&]+")) {
                    throw new IllegalArgumentException("git source '" + s + "' has an unknown reference '"
                            + query.get() + "' (expected branch=, tag= or rev=)");
                }
                return new LockedSource(kind, q >= 0 ? base.substring(0, q) : base, query, Optional.of(commit));
            }
            default -> throw new IllegalArgumentException("source '" + s + "' has unknown kind '" + kind + "'");
        }
    }

    /** The string as Cargo.lock and package ids write it. */
    public String render() {
        return kind + "+" + url + query.map(x -> "?" + x).orElse("") + commit.map(x -> "#" + x).orElse("");
    }

    public boolean isGit() {
        return kind.equals("git");
    }

    public boolean isRegistry() {
        return kind.equals("registry") || kind.equals("sparse");
    }
}
