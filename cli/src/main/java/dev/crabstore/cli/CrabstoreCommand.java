package dev.crabstore.cli;

import dev.crabstore.core.CrabstoreException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root command; each subcommand lives in its own class and is listed in {@link #COMMANDS}. */
@Command(name = "crabstore", mixinStandardHelpOptions = true, version = "crabstore 0.1.0",
        description = "A Nix-style derivation builder for Rust crate graphs.",
        subcommands = {CommandLine.HelpCommand.class})
public final class CrabstoreCommand implements Runnable {
    /** Every top-level command, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(
            BuildCommand.class,
            CopyCommand.class,
            DiffCommand.class,
            DrvCommand.class,
            FetchCommand.class,
            GcCommand.class,
            GraphCommand.class,
            HashCommand.class,
            KeyCommand.class,
            NarCommand.class,
            PlanCommand.class,
            RealiseCommand.class,
            ServeCommand.class,
            StoreCommand.class,
            TestCommand.class,
            WhyDependsCommand.class,
            WhyRebuildCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static CommandLine commandLine(CliContext context) {
        return commandLine(context, null);
    }

    /**
     * The command line for a run whose first argument is {@code first}. Building picocli's model of a command costs
     * reflection over all its options, so when {@code first} names a command only that one is registered; help and
     * unknown commands get all of them.
     */
    public static CommandLine commandLine(CliContext context, String first) {
        ContextFactory factory = new ContextFactory(context);
        CommandLine cl = new CommandLine(new CrabstoreCommand(), factory);
        Class<?> only = null;
        for (Class<?> c : COMMANDS) {
            if (c.getAnnotation(Command.class).name().equals(first)) {
                only = c;
            }
        }
        for (Class<?> c : only != null ? List.<Class<?>>of(only) : COMMANDS) {
            cl.addSubcommand(new CommandLine(c, factory));
        }
        cl.setOut(new java.io.PrintWriter(new java.io.OutputStreamWriter(context.out(),
                java.nio.charset.StandardCharsets.UTF_8), true));
        cl.setErr(new java.io.PrintWriter(new java.io.OutputStreamWriter(context.err(),
                java.nio.charset.StandardCharsets.UTF_8), true));
        cl.setParameterExceptionHandler(CrabstoreCommand::usageError);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof CrabstoreException ce) {
                cmd.getErr().println("error: " + ex.getMessage());
                return ExitCodes.forException(ce);
            }
            throw ex;
        });
        return cl;
    }

    /**
     * A usage error (an unknown option or command, a missing or invalid value): one {@code error:} line as every
     * failure prints, the option or command a mistyped name meant, and where the options are, instead of picocli's
     * default of the whole option list. Exit code 2.
     */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        // Commands that throw with a fresh CommandLine of their own have no streams set: print on the top level's.
        CommandLine top = cmd;
        while (top.getParent() != null) {
            top = top.getParent();
        }
        java.io.PrintWriter err = top.getErr();
        err.println("error: " + ex.getMessage());
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            List<String> meant = DidYouMean.suggest(cmd, u.getUnmatched().get(0));
            if (!meant.isEmpty()) {
                err.println("  tip: did you mean " + String.join(" or ", meant.stream().map(m -> "'" + m + "'").toList())
                        + "?");
            }
        }
        String name = cmd.getCommandSpec().qualifiedName(" ");
        if (!name.startsWith("crabstore")) {
            name = "crabstore " + name;
        }
        err.println("For more information, try '" + name + " --help'.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }
}
