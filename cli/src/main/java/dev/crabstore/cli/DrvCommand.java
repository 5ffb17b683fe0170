package dev.crabstore.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code crabstore drv …}: commands on derivation ({@code .drv}) files. */
@Command(name = "drv", mixinStandardHelpOptions = true, description = "Inspect derivation (.drv) files.",
        subcommands = {DrvShowCommand.class})
public final class DrvCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (try 'drv show')");
    }
}
