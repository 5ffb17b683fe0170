package dev.crabstore.cli;

import picocli.CommandLine.Command;

/** {@code crabstore drv …}: commands on derivation ({@code .drv}) files. */
@Command(name = "drv", mixinStandardHelpOptions = true, description = "Inspect derivation (.drv) files.",
        subcommands = {DrvShowCommand.class})
public final class DrvCommand extends CommandGroup {}
