package dev.crabstore.cli;

import picocli.CommandLine;

/** A command that only groups subcommands: running it alone is a usage error. */
@CommandLine.Command
public abstract class CommandGroup implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (see '"
                + spec.qualifiedName() + " --help')");
    }
}
