package dev.crabstore.cli;

import dev.crabstore.core.CrabstoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root command; each subcommand lives in its own class and is registered here. */
@Command(name = "crabstore", mixinStandardHelpOptions = true, version = "crabstore 0.1.0",
        description = "A Nix-style derivation builder for Rust crate graphs.",
        subcommands = {
            CommandLine.HelpCommand.class,
            DrvCommand.class,
            HashCommand.class,
            NarCommand.class,
            StoreCommand.class,
        })
public final class CrabstoreCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static CommandLine commandLine(CliContext context) {
        CommandLine cl = new CommandLine(new CrabstoreCommand(), new ContextFactory(context));
        cl.setOut(new java.io.PrintWriter(new java.io.OutputStreamWriter(context.out(),
                java.nio.charset.StandardCharsets.UTF_8), true));
        cl.setErr(new java.io.PrintWriter(new java.io.OutputStreamWriter(context.err(),
                java.nio.charset.StandardCharsets.UTF_8), true));
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof CrabstoreException ce) {
                cmd.getErr().println("error: " + ex.getMessage());
                return ExitCodes.forException(ce);
            }
            throw ex;
        });
        return cl;
    }
}
