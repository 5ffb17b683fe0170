package dev.crabstore.core.nar;

import java.io.IOException;
import java.io.InputStream;

/**
 * Receives the events of a NAR as {@link NarParser} reads it. For a directory: {@link #startDirectory()}, then per
 * entry {@link #entry(byte[])}, the entry's node, {@link #endEntry()}, and finally {@link #endDirectory()}.
 */
public interface NarVisitor {
    /**
     * A regular file. {@code contents} yields exactly {@code size} bytes and is valid only during the call; whatever
     * the visitor leaves unread is skipped.
     */
    void regular(boolean executable, long size, InputStream contents) throws IOException;

    void symlink(byte[] target) throws IOException;

    void startDirectory() throws IOException;

    void entry(byte[] name) throws IOException;

    void endEntry() throws IOException;

    void endDirectory() throws IOException;

    /** A visitor that only validates. */
    NarVisitor NONE = new NarVisitor() {
        @Override
        public void regular(boolean executable, long size, InputStream contents) {}

        @Override
        public void symlink(byte[] target) {}

        @Override
        public void startDirectory() {}

        @Override
        public void entry(byte[] name) {}

        @Override
        public void endEntry() {}

        @Override
        public void endDirectory() {}
    };
}
