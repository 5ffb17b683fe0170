package dev.crabstore.store;

import dev.crabstore.core.CrabstoreException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** A file, database or process operation of the store failed; the message names the path or operation. */
public class StoreIOException extends CrabstoreException {
    public StoreIOException(String message) {
        super(message);
    }

    public StoreIOException(String message, Throwable cause) {
        super(message + (cause != null && describe(cause) != null ? ": " + describe(cause) : ""), cause);
    }

    /**
     * What went wrong, in words: the JDK's file exceptions carry only the path as their message, which the caller's
     * message names already ("cannot read the key file /x: /x").
     */
    static String describe(Throwable cause) {
        if (cause instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (cause instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (cause instanceof FileAlreadyExistsException) {
            return "it already exists";
        }
        if (cause instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (cause instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (cause instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return cause.getMessage();
    }
}
