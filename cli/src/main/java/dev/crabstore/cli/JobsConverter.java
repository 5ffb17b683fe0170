package dev.crabstore.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code -j N} as cargo 1.95 reads it: {@code default} or a number; 0 is refused ("jobs may not be 0"), a negative N
 * means the cores minus |N|, at least 1.
 */
final class JobsConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        return jobs(value, Runtime.getRuntime().availableProcessors());
    }

    /** The number of jobs {@code value} asks for on a machine with {@code cores}. */
    static int jobs(String value, int cores) {
        if (value.equals("default")) {
            return cores;
        }
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("could not parse '" + value + "': the number of parallel jobs must be "
                    + "`default` or a number");
        }
        if (n == 0) {
            throw new TypeConversionException("jobs may not be 0");
        }
        return n > 0 ? n : Math.max(1, cores + n);
    }
}
