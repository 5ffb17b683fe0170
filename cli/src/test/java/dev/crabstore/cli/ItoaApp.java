package dev.crabstore.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A workspace of one binary whose only dependency is itoa 1.0.1 (a crate of the corpus registry), with its Cargo.lock
 * and a cargo config saying where registry crates come from: the smallest build that fetches, verifies and unpacks a
 * registry crate.
 */
final class ItoaApp {
    /** itoa 1.0.1's checksum, as Cargo.lock records it. */
    static final String CHECKSUM = "a711937f6c6c3492b70aadb691ab12c6576ba5fcb1f2c427dbe9021cdc2dd35e";

    private ItoaApp() {}

    /**
     * Writes the workspace into {@code ws}: the binary prints {@code printed} formatted by itoa, {@code sources} is
     * the {@code .cargo/config.toml} text, {@code checksum} itoa's checksum in the lockfile.
     */
    static void write(Path ws, String sources, String checksum, long printed) throws IOException {
        Files.createDirectories(ws.resolve("src"));
        Files.createDirectories(ws.resolve(".cargo"));
        Files.writeString(ws.resolve("src/main.rs"),
                "fn main() { println!(\"{}\", itoa::Buffer::new().format(" + printed + ")); }\n");
        Files.writeString(ws.resolve("Cargo.toml"), """
                [package]
                name = "app"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                itoa = "=1.0.1"
                """);
        Files.writeString(ws.resolve(".cargo/config.toml"), sources);
        Files.writeString(ws.resolve("Cargo.lock"), """
                version = 4

                [[package]]
                name = "app"
                version = "0.1.0"
                dependencies = [
                 "itoa",
                ]

                [[package]]
                name = "itoa"
                version = "1.0.1"
                source = "registry+https://github.com/rust-lang/crates.io-index"
                checksum = "%s"
                """.formatted(checksum));
    }
}
