package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.Retention;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code tributary retention --config=FILE [--now=YYYY-MM-DD] [--dry-run] [--audit=FILE]}: expires
 * old date partitions and prints one line per partition.
 *
 * <pre>{@code
 * tributary retention --config=runners-config/retention.json --dry-run
 * }</pre>
 */
@Command(
    name = "retention",
    description = "Delete or move date partitions past their retention; one line per partition.")
final class RetentionCommand implements Callable<Integer> {
  @Mixin HelpOption help;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      required = true,
      description = "the retention config: datasets with path and keep")
  Path config;

  @Option(
      names = "--now",
      paramLabel = "YYYY-MM-DD",
      converter = Today.class,
      description = "the date to count from (default: today, UTC)")
  LocalDate now = LocalDate.now(java.time.ZoneOffset.UTC);

  @Option(names = "--dry-run", description = "print what would expire, change nothing")
  boolean dryRun;

  @Option(names = "--audit", paramLabel = "FILE", description = "append a JSON line per run here")
  Path audit;

  private final Io io;

  RetentionCommand(Io io) {
    this.io = io;
  }

  /** A date, named as such when the value is not one. */
  static final class Today implements ITypeConverter<LocalDate> {
    @Override
    public LocalDate convert(String value) {
      try {
        return LocalDate.parse(value);
      } catch (DateTimeParseException e) {
        throw new TypeConversionException("expected YYYY-MM-DD, got '" + value + "'");
      }
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = io.out();
    List<Retention.Action> actions = Retention.load(config).apply(now, dryRun);
    actions.forEach(out::println);
    long files = actions.stream().filter(Retention.Action::isFile).count();
    out.printf(
        "retention as of %s: %d partition(s)%s %s%n",
        now,
        actions.size() - files,
        files == 0 ? "" : " and " + files + " file(s)",
        dryRun ? "would expire (dry run)" : "expired");
    if (audit != null) {
      Files.createDirectories(audit.toAbsolutePath().getParent());
      Files.writeString(
          audit,
          Retention.audit(now, dryRun, actions) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    return 0;
  }
}
