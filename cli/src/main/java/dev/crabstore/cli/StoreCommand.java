package dev.crabstore.cli;

import picocli.CommandLine.Command;

/** {@code crabstore store …}: the local store. */
@Command(name = "store", mixinStandardHelpOptions = true, description = "Work with the store.",
        subcommands = {StoreAddCommand.class, StorePathInfoCommand.class, StoreAddRootCommand.class,
            StoreRootsCommand.class, StoreVerifyCommand.class, StoreOptimiseCommand.class})
public final class StoreCommand extends CommandGroup {}
