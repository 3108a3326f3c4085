package io.tributary.pipelines.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h, --help} on every command, as a picocli mixin: picocli prints the command's usage,
 * generated from its options, and exits 0.
 *
 * <pre>{@code
 * @Mixin HelpOption help;
 * }</pre>
 */
final class HelpOption {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean requested;
}
