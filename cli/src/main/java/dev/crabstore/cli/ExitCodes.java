package dev.crabstore.cli;

import dev.crabstore.core.CrabstoreException;
import dev.crabstore.core.InvalidFormatException;

/** Named exit codes: 0 success, 1 failure (a build failed, a check found differences), 2 bad input or usage. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int BAD_INPUT = 2;

    private ExitCodes() {}

    static int forException(CrabstoreException e) {
        return e instanceof InvalidFormatException ? BAD_INPUT : FAILURE;
    }
}
