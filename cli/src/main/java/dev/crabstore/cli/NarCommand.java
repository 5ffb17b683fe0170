package dev.crabstore.cli;

import picocli.CommandLine.Command;

/** {@code crabstore nar …}: NAR archives. */
@Command(name = "nar", mixinStandardHelpOptions = true, description = "Write and read NAR archives.",
        subcommands = {NarDumpCommand.class, NarRestoreCommand.class})
public final class NarCommand extends CommandGroup {}
