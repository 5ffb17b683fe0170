package dev.crabstore.cli;

import picocli.CommandLine.Command;

/** {@code crabstore key …}: signing keys in Nix's format. */
@Command(name = "key", mixinStandardHelpOptions = true, description = "Generate and convert binary-cache signing keys.",
        subcommands = {KeyGenerateCommand.class, KeyPublicCommand.class})
public final class KeyCommand extends CommandGroup {}
