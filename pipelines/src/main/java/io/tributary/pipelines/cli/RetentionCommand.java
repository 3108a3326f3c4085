package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.Retention;
import io.tributary.pipelines.runtime.UsageException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * {@code tributary retention --config=FILE [--now=YYYY-MM-DD] [--dry-run] [--audit=FILE]}: expires
 * old date partitions and prints one line per partition.
 *
 * <pre>{@code
 * tributary retention --config=runners-config/retention.json --dry-run
 * }</pre>
 */
final class RetentionCommand {
  private RetentionCommand() {}

  static String usage() {
    return "  retention --config=FILE [--now=DATE] [--dry-run] [--audit=FILE]\n"
        + "                                              delete or move partitions past their retention\n";
  }

  static int run(List<String> args, PrintStream out) throws Exception {
    Path config = null;
    Path audit = null;
    LocalDate now = LocalDate.now(java.time.ZoneOffset.UTC);
    boolean dryRun = false;
    for (String arg : args) {
      if (arg.startsWith("--config=")) {
        config = Path.of(arg.substring("--config=".length()));
      } else if (arg.startsWith("--audit=")) {
        audit = Path.of(arg.substring("--audit=".length()));
      } else if (arg.startsWith("--now=")) {
        try {
          now = LocalDate.parse(arg.substring("--now=".length()));
        } catch (DateTimeParseException e) {
          throw new UsageException(
              "retention: --now: expected YYYY-MM-DD, got '" + arg.substring(6) + "'");
        }
      } else if (arg.equals("--dry-run")) {
        dryRun = true;
      } else {
        throw new UsageException("retention: unknown argument '" + arg + "'");
      }
    }
    if (config == null) {
      throw new UsageException("retention: --config=FILE is required");
    }
    List<Retention.Action> actions = Retention.load(config).apply(now, dryRun);
    actions.forEach(out::println);
    out.printf(
        "retention as of %s: %d partition(s) %s%n",
        now, actions.size(), dryRun ? "would expire (dry run)" : "expired");
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
