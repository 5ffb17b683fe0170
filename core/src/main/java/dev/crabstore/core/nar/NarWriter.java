package dev.crabstore.core.nar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Encodes a NAR onto a stream from events: a regular file, a symlink, or a directory whose entries come in strictly
 * increasing unsigned-byte order of their names. File contents are copied in chunks, so memory stays constant
 * whatever the size of the tree. The writer checks the event sequence and refuses what Nix would not accept.
 *
 * <pre>
 * nar   = str("nix-archive-1") node
 * node  = "(" "type" ("regular" ["executable" ""] "contents" bytes | "symlink" "target" str
 *                    | "directory" ("entry" "(" "name" str "node" node ")")*) ")"
 * str   = u64le(len) bytes pad-to-8
 * </pre>
 */
public final class NarWriter {
    static final byte[] MAGIC = "nix-archive-1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZEROS = new byte[8];

    private final OutputStream out;
    private final byte[] lenBuf = new byte[8];
    private final byte[] copyBuf;
    // One frame per open directory: the last entry name, to enforce ordering.
    private final Deque<byte[]> openDirs = new ArrayDeque<>();
    private boolean expectingNode = true;
    private boolean finished;

    public NarWriter(OutputStream out) throws IOException {
        this(out, 1 << 16);
    }

    public NarWriter(OutputStream out, int copyBufferSize) throws IOException {
        this.out = out;
        this.copyBuf = new byte[copyBufferSize];
        writeString(MAGIC);
    }

    public void regular(boolean executable, long size, InputStream contents) throws IOException {
        beginNode();
        writeString("type");
        writeString("regular");
        if (executable) {
            writeString("executable");
            writeString("");
        }
        writeString("contents");
        writeLong(size);
        long left = size;
        while (left > 0) {
            int n = contents.read(copyBuf, 0, (int) Math.min(copyBuf.length, left));
            if (n < 0) {
                throw new IOException("file ended after " + (size - left) + " of " + size + " bytes");
            }
            out.write(copyBuf, 0, n);
            left -= n;
        }
        pad(size);
        writeString(")");
        endNode();
    }

    public void regular(boolean executable, byte[] contents) throws IOException {
        regular(executable, contents.length, new java.io.ByteArrayInputStream(contents));
    }

    public void symlink(byte[] target) throws IOException {
        if (target.length == 0) {
            throw new IllegalArgumentException("symlink target must not be empty");
        }
        beginNode();
        writeString("type");
        writeString("symlink");
        writeString("target");
        writeString(target);
        writeString(")");
        endNode();
    }

    public void startDirectory() throws IOException {
        beginNode();
        writeString("type");
        writeString("directory");
        openDirs.push(new byte[0]);
        expectingNode = false;
    }

    /** Starts the entry {@code name} of the innermost open directory; its node follows. */
    public void entry(byte[] name) throws IOException {
        if (openDirs.isEmpty() || expectingNode) {
            throw new IllegalStateException("an entry must be inside a directory, between nodes");
        }
        String bad = NarNames.invalidReason(name);
        if (bad != null) {
            throw new IllegalArgumentException("invalid NAR entry: " + bad);
        }
        byte[] previous = openDirs.peek();
        if (previous.length > 0 && NarNames.compare(previous, name) >= 0) {
            throw new IllegalArgumentException("NAR entries out of order or duplicated: '"
                    + new String(previous, StandardCharsets.UTF_8) + "' then '"
                    + new String(name, StandardCharsets.UTF_8) + "'");
        }
        openDirs.pop();
        openDirs.push(name);
        writeString("entry");
        writeString("(");
        writeString("name");
        writeString(name);
        writeString("node");
        expectingNode = true;
    }

    public void endDirectory() throws IOException {
        if (openDirs.isEmpty() || expectingNode) {
            throw new IllegalStateException("no open directory to end");
        }
        openDirs.pop();
        writeString(")");
        endNode();
    }

    /** Flushes; the archive must be complete. */
    public void finish() throws IOException {
        if (!finished) {
            throw new IllegalStateException("the NAR's top node is incomplete");
        }
        out.flush();
    }

    private void beginNode() throws IOException {
        if (!expectingNode || finished) {
            throw new IllegalStateException("a node is not expected here");
        }
        writeString("(");
        expectingNode = false;
    }

    private void endNode() throws IOException {
        if (openDirs.isEmpty()) {
            finished = true;
        } else {
            // Close the enclosing entry.
            writeString(")");
        }
    }

    private void writeString(String s) throws IOException {
        writeString(s.getBytes(StandardCharsets.US_ASCII));
    }

    private void writeString(byte[] s) throws IOException {
        writeLong(s.length);
        out.write(s);
        pad(s.length);
    }

    private void writeLong(long v) throws IOException {
        for (int i = 0; i < 8; i++) {
            lenBuf[i] = (byte) (v >>> (8 * i));
        }
        out.write(lenBuf);
    }

    private void pad(long len) throws IOException {
        int rem = (int) (len % 8);
        if (rem != 0) {
            out.write(ZEROS, 0, 8 - rem);
        }
    }
}
