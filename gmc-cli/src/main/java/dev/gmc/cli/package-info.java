/**
 * The {@code gmc} command line: picocli subcommands over the library modules (Caffeine simulator style: thin
 * commands, reusable pieces). {@link dev.gmc.cli.Main} is the entry point of the fat jar {@code gmc-cli/target/gmc.jar}
 * that the {@code ./gmc} launcher runs.
 */
package dev.gmc.cli;
