package dev.crabstore.cli;

import picocli.CommandLine.Command;

/** {@code crabstore hash …}: hashes as Nix prints them. */
@Command(name = "hash", mixinStandardHelpOptions = true, description = "Compute and convert hashes.",
        subcommands = {HashPathCommand.class, HashFileCommand.class, HashConvertCommand.class})
public final class HashCommand extends CommandGroup {}
