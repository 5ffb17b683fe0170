package dev.crabstore.store.local;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.path.ContentAddress;
import dev.crabstore.core.path.StorePath;
import dev.crabstore.core.store.PathInfo;
import dev.crabstore.store.StoreIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The SQLite database (WAL) of valid paths. A path is valid exactly when its row is committed; its references must be
 * valid first (self-references excepted), so the set of valid paths is always closed under references.
 * Safe for several processes at once (SQLite serialises writers, and a busy database is waited for) and for
 * several threads (one connection, used by one thread at a time).
 */
public final class StoreDatabase implements AutoCloseable {
    private static final int SCHEMA_VERSION = 1;
    private final Connection connection;
    private final Path file;

    private StoreDatabase(Connection connection, Path file) {
        this.connection = connection;
        this.file = file;
    }

    public static StoreDatabase open(Path file) {
        try {
            Files.createDirectories(file.getParent());
            SqliteNativeLibrary.useKeptCopy(file.getParent().resolveSibling("lib"));
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 600000");
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("PRAGMA foreign_keys = ON");
                s.execute("CREATE TABLE IF NOT EXISTS ValidPaths ("
                        + " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                        + " path TEXT UNIQUE NOT NULL,"
                        + " narHash TEXT NOT NULL,"
                        + " narSize INTEGER NOT NULL,"
                        + " deriver TEXT,"
                        + " ca TEXT,"
                        + " sigs TEXT NOT NULL DEFAULT '',"
                        + " registrationTime INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS Refs ("
                        + " referrer INTEGER NOT NULL REFERENCES ValidPaths(id) ON DELETE CASCADE,"
                        + " reference INTEGER NOT NULL REFERENCES ValidPaths(id) ON DELETE RESTRICT,"
                        + " PRIMARY KEY (referrer, reference))");
                s.execute("CREATE INDEX IF NOT EXISTS RefsByReference ON Refs(reference)");
                // How a path came to be (built here, substituted from where, checked): JSON, shown by path-info.
                s.execute("CREATE TABLE IF NOT EXISTS Provenance ("
                        + " path INTEGER PRIMARY KEY REFERENCES ValidPaths(id) ON DELETE CASCADE,"
                        + " json TEXT NOT NULL)");
                s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            }
            c.setAutoCommit(true);
            return new StoreDatabase(c, file);
        } catch (SQLException | java.io.IOException e) {
            throw new StoreIOException("cannot open the store database " + file, e);
        }
    }

    public synchronized boolean isValid(StorePath path) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT 1 FROM ValidPaths WHERE path = ?")) {
            ps.setString(1, path.baseName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw failure("query " + path, e);
        }
    }

    /** Which of {@code paths} are valid, with one prepared statement for all of them. */
    public synchronized java.util.Set<StorePath> validAmong(java.util.Collection<StorePath> paths) {
        java.util.Set<StorePath> out = new java.util.HashSet<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT 1 FROM ValidPaths WHERE path = ?")) {
            for (StorePath p : paths) {
                ps.setString(1, p.baseName());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        out.add(p);
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("query " + paths.size() + " paths", e);
        }
    }

    public synchronized Optional<PathInfo> query(StorePath path) {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT id, narHash, narSize, deriver, ca, sigs, registrationTime FROM ValidPaths WHERE path = ?")) {
            ps.setString(1, path.baseName());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long id = rs.getLong(1);
                Hash narHash = Hash.parse(rs.getString(2));
                long narSize = rs.getLong(3);
                String deriver = rs.getString(4);
                String ca = rs.getString(5);
                String sigs = rs.getString(6);
                long time = rs.getLong(7);
                SortedSet<String> sigSet = new TreeSet<>();
                if (!sigs.isEmpty()) {
                    sigSet.addAll(Arrays.asList(sigs.split(" ")));
                }
                return Optional.of(new PathInfo(path, narHash, narSize, references(id),
                        Optional.ofNullable(deriver).map(StorePath::parseBaseName), sigSet,
                        Optional.ofNullable(ca).map(ContentAddress::parse), time));
            }
        } catch (SQLException e) {
            throw failure("query " + path, e);
        }
    }

    private SortedSet<StorePath> references(long id) throws SQLException {
        SortedSet<StorePath> refs = new TreeSet<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT v.path FROM Refs r JOIN ValidPaths v ON v.id = r.reference WHERE r.referrer = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    refs.add(StorePath.parseBaseName(rs.getString(1)));
                }
            }
        }
        return refs;
    }

    /**
     * A valid path and the id of its row. A row never changes while it exists, and a path that is collected and
     * registered again gets a new id, so the id tells whether anything derived from the row is still current.
     */
    public record ValidRow(StorePath path, long id) {}

    /** Prepared once: servers ask this for every request. */
    private PreparedStatement byHashPart;

    /** The valid path whose hash part is {@code hashPart}, as Nix's queryPathFromHashPart (one indexed lookup). */
    public synchronized Optional<ValidRow> queryPathFromHashPart(String hashPart) {
        try {
            if (byHashPart == null) {
                byHashPart = connection.prepareStatement(
                        "SELECT path, id FROM ValidPaths WHERE path >= ? ORDER BY path LIMIT 1");
            }
            byHashPart.setString(1, hashPart);
            try (ResultSet rs = byHashPart.executeQuery()) {
                if (rs.next() && rs.getString(1).startsWith(hashPart + "-")) {
                    return Optional.of(new ValidRow(StorePath.parseBaseName(rs.getString(1)), rs.getLong(2)));
                }
                return Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("query the path with hash part " + hashPart, e);
        }
    }

    /** Paths that refer to {@code path} (not counting itself). */
    public synchronized SortedSet<StorePath> referrers(StorePath path) {
        SortedSet<StorePath> out = new TreeSet<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT v.path FROM Refs r JOIN ValidPaths v ON v.id = r.referrer"
                        + " JOIN ValidPaths t ON t.id = r.reference WHERE t.path = ? AND r.referrer != r.reference")) {
            ps.setString(1, path.baseName());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(StorePath.parseBaseName(rs.getString(1)));
                }
            }
        } catch (SQLException e) {
            throw failure("query referrers of " + path, e);
        }
        return out;
    }

    public synchronized List<StorePath> allValidPaths() {
        List<StorePath> out = new ArrayList<>();
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT path FROM ValidPaths ORDER BY path")) {
            while (rs.next()) {
                out.add(StorePath.parseBaseName(rs.getString(1)));
            }
        } catch (SQLException e) {
            throw failure("list valid paths", e);
        }
        return out;
    }

    /**
     * Registers a path whose bytes are already final and in place. Its references (other than itself) must be valid.
     * Registering an already valid path is a no-op (the first registration wins).
     */
    public synchronized void register(PathInfo info) {
        registerAll(java.util.List.of(info));
    }

    /**
     * Registers several paths in one transaction (one commit instead of one per path), in the given order: a path's
     * references must be valid already or come before it in {@code infos}. All or none are registered.
     */
    public synchronized void registerAll(java.util.List<PathInfo> infos) {
        if (infos.isEmpty()) {
            return;
        }
        try {
            connection.setAutoCommit(false);
            try {
                for (PathInfo info : infos) {
                    insert(info);
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(infos.size() == 1 ? "register " + infos.get(0).path() : "register " + infos.size() + " paths",
                    e);
        }
    }

    private void insert(PathInfo info) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT OR IGNORE INTO ValidPaths (path, narHash, narSize, deriver, ca, sigs, registrationTime)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, info.path().baseName());
            ps.setString(2, info.narHash().toString());
            ps.setLong(3, info.narSize());
            ps.setString(4, info.deriver().map(StorePath::baseName).orElse(null));
            ps.setString(5, info.contentAddress().map(ContentAddress::toString).orElse(null));
            ps.setString(6, String.join(" ", info.signatures()));
            ps.setLong(7, info.registrationTime());
            if (ps.executeUpdate() == 0) {
                return;
            }
        }
        long id = idOf(info.path());
        for (StorePath ref : info.references()) {
            long refId = ref.equals(info.path()) ? id : idOf(ref);
            if (refId < 0) {
                throw new StoreIOException("cannot register " + info.path() + ": its reference " + ref
                        + " is not valid in the store");
            }
            try (PreparedStatement ps = connection.prepareStatement(
                    "INSERT INTO Refs (referrer, reference) VALUES (?, ?)")) {
                ps.setLong(1, id);
                ps.setLong(2, refId);
                ps.executeUpdate();
            }
        }
    }

    private long idOf(StorePath p) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT id FROM ValidPaths WHERE path = ?")) {
            ps.setString(1, p.baseName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** Removes a path's row and its outgoing references; fails if another valid path still refers to it. */
    /** Records (replaces) how {@code path} was made; nothing if it is not valid. */
    public synchronized void setProvenance(StorePath path, String json) {
        try (PreparedStatement ps = connection.prepareStatement("INSERT OR REPLACE INTO Provenance (path, json) "
                + "SELECT id, ? FROM ValidPaths WHERE path = ?")) {
            ps.setString(1, json);
            ps.setString(2, path.baseName());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("record the provenance of " + path, e);
        }
    }

    /** How {@code path} was made, as recorded, if it was. */
    public synchronized Optional<String> provenance(StorePath path) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT json FROM Provenance WHERE path = "
                + "(SELECT id FROM ValidPaths WHERE path = ?)")) {
            ps.setString(1, path.baseName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read the provenance of " + path, e);
        }
    }

    public synchronized void invalidate(StorePath path) {
        try {
            connection.setAutoCommit(false);
            try (PreparedStatement prov = connection.prepareStatement(
                    "DELETE FROM Provenance WHERE path = (SELECT id FROM ValidPaths WHERE path = ?)");
                    PreparedStatement refs = connection.prepareStatement(
                    "DELETE FROM Refs WHERE referrer = (SELECT id FROM ValidPaths WHERE path = ?)");
                    PreparedStatement row = connection.prepareStatement("DELETE FROM ValidPaths WHERE path = ?")) {
                prov.setString(1, path.baseName());
                prov.executeUpdate();
                refs.setString(1, path.baseName());
                refs.executeUpdate();
                row.setString(1, path.baseName());
                row.executeUpdate();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure("invalidate " + path + " (is it still referenced?)", e);
        }
    }

    private StoreIOException failure(String what, SQLException e) {
        return new StoreIOException("store database " + file + ": cannot " + what, e);
    }

    @Override
    public synchronized void close() {
        try {
            if (byHashPart != null) {
                byHashPart.close();
            }
            connection.close();
        } catch (SQLException e) {
            throw failure("close", e);
        }
    }
}
