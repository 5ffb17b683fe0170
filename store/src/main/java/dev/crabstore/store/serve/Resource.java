package dev.crabstore.store.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A response body of known length: small text, an open file, or bytes produced while sending (a NAR dumped from
 * the store). Files are opened when the resource is made, so a concurrent atomic replacement cannot mix two
 * versions. Close it when done.
 */
public interface Resource extends AutoCloseable {
    String contentType();

    /** The body's exact length in bytes, or -1 when it is not known without producing it. */
    long length();

    void writeTo(OutputStream out) throws IOException;

    @Override
    default void close() {}

    static Resource text(String text, String contentType) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new Resource() {
            @Override
            public String contentType() {
                return contentType;
            }

            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(bytes);
            }
        };
    }

    /** The regular file at {@code file}, opened now; empty if there is none. */
    static Optional<Resource> file(Path file, String contentType) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        long size = ch.size();
        return Optional.of(new Resource() {
            @Override
            public String contentType() {
                return contentType;
            }

            @Override
            public long length() {
                return size;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                // Exactly the size seen at open: a file that grew cannot break the Content-Length.
                InputStream in = Channels.newInputStream(ch.position(0));
                byte[] buf = new byte[1 << 16];
                long left = size;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new IOException(file + " shrank while it was being sent");
                    }
                    out.write(buf, 0, n);
                    left -= n;
                }
            }

            @Override
            public void close() {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // read-only
                }
            }
        });
    }

    /** Bytes of a known length produced by {@code producer} while sending. */
    static Resource streamed(long length, String contentType, Producer producer) {
        return streamed(length, contentType, producer, () -> {});
    }

    /** As {@link #streamed(long, String, Producer)}, running {@code onClose} once the body is written (or not). */
    static Resource streamed(long length, String contentType, Producer producer, Runnable onClose) {
        return new Resource() {
            @Override
            public void close() {
                onClose.run();
            }

            @Override
            public String contentType() {
                return contentType;
            }

            @Override
            public long length() {
                return length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                producer.writeTo(out);
            }
        };
    }

    /** Writes a body. */
    @FunctionalInterface
    interface Producer {
        void writeTo(OutputStream out) throws IOException;
    }
}
