package dev.crabstore.store.cargo;

import dev.crabstore.core.InvalidFormatException;

/**
 * cargo refused what it was asked to plan (exit code 101 without a network failure): an unknown package or feature,
 * a lockfile {@code --locked} forbids updating, a checksum that changed. Bad input, so the message is cargo's own
 * error, without the command crabstore ran to ask it.
 */
public final class CargoRefusedException extends InvalidFormatException {
    public CargoRefusedException(String cargoStderr) {
        super(cargoStderr.startsWith("error: ") ? cargoStderr.substring("error: ".length()) : cargoStderr);
    }
}
