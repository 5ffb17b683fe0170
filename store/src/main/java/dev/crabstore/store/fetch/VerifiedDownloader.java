package dev.crabstore.store.fetch;

import dev.crabstore.core.hash.Hash;
import dev.crabstore.core.hash.HashingOutputStream;
import dev.crabstore.store.StoreIOException;
import java.io.IOException;
import java.io.InputStream;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * Fetches a file by URL ({@code http(s)://} or {@code file://}) into a destination, hashing while it streams, and
 * moves it into place only when its hash is the expected one. A 404/410 is "not found"; other statuses, timeouts and
 * I/O errors are failures. Nothing is left at the destination when anything fails.
 */
public final class VerifiedDownloader {
    private final Duration timeout;
    /**
     * Made on the first http(s) download: building an HttpClient loads the TLS stack and parses the CA certificates,
     * about half a second of a build that fetches nothing (an edit, a fresh checkout) or only {@code file://} URLs.
     */
    private HttpClient http;

    public VerifiedDownloader(Duration timeout) {
        this.timeout = timeout;
    }

    /** Whether an HTTP client has been made yet (none is until an http(s) URL is fetched). */
    synchronized boolean httpClientMade() {
        return http != null;
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        }
        return http;
    }

    public void download(URI url, Hash expected, Path dest, String what) {
        Path temp = dest.resolveSibling(dest.getFileName() + ".part-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId());
        try {
            Files.createDirectories(dest.getParent());
            Hash actual;
            try (InputStream in = open(url, what);
                    HashingOutputStream out = new HashingOutputStream(expected.algorithm(),
                            Files.newOutputStream(temp))) {
                in.transferTo(out);
                out.flush();
                actual = out.hash();
            } catch (IOException e) {
                throw new FetchException("cannot download " + what + " from " + url, e);
            }
            if (!actual.equals(expected)) {
                throw new HashMismatchException(what + " from " + url, expected, actual);
            }
            Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StoreIOException("cannot write " + dest, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: the temp name is unique to this process and thread
            }
        }
    }

    private InputStream open(URI url, String what) throws IOException {
        String scheme = url.getScheme();
        if ("file".equals(scheme)) {
            Path p = Path.of(url);
            if (!Files.isRegularFile(p)) {
                throw new FetchException(what + ": " + p + " does not exist", true);
            }
            return Files.newInputStream(p);
        }
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new FetchException(what + ": unsupported URL scheme in " + url, false);
        }
        HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
        HttpResponse<InputStream> resp;
        try {
            resp = http().send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchException("interrupted while downloading " + what, e);
        }
        int status = resp.statusCode();
        if (status == 200) {
            return resp.body();
        }
        resp.body().close();
        boolean notFound = status == 404 || status == 410;
        throw new FetchException("cannot download " + what + " from " + url + ": HTTP " + status, notFound);
    }

}
