package io.tributary.pipelines.cli;

import java.io.PrintStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a failed run prints: one line on stderr. Failures that are an operator's choice to make, not
 * a fault (a savepoint this build cannot take, a savepoint path the cluster does not have), are
 * usage errors that say what to do (exit 2); any other failure is {@code tributary: run failed:}
 * and its root cause (exit 1). Beam's own log of the failure, a stack trace, is off in the bundled
 * jar's logging configuration.
 *
 * <pre>{@code
 * $ tributary run clickstream --profile=flink-cluster ... --from-savepoint=/savepoints/savepoint-7ea7ac-adb4a0c57066
 * tributary: --from-savepoint: the savepoint /savepoints/savepoint-7ea7ac-adb4a0c57066 holds state of an operator this build does not have (Flink operator 181541fa110e9ca22e9572763245a524: a step removed or renamed, or now run inside another); to start without that state, add --allowNonRestoredState=true (docs/operations.md)
 * }</pre>
 */
final class RunFailures {
  private RunFailures() {}

  /** Flink's refusal of a savepoint with state for an operator the new job graph lacks. */
  private static final Pattern UNMAPPED_STATE =
      Pattern.compile(
          "Failed to rollback to checkpoint/savepoint (\\S+?)\\.? Cannot map checkpoint/savepoint"
              + " state for operator (\\S+) to the new program");

  /** Flink's answer to a savepoint path that does not exist on the cluster's file system. */
  private static final Pattern NO_SAVEPOINT =
      Pattern.compile(
          "Cannot find checkpoint or savepoint file/directory '([^']*)' on file system '([^']*)'");

  /** Prints {@code failure} as one line on {@code err}; returns the exit code. */
  static int report(PrintStream err, Throwable failure) {
    String choice = operatorChoice(failure);
    if (choice != null) {
      err.println("tributary: " + choice);
      return Tributary.USAGE;
    }
    err.println("tributary: run failed: " + UsageErrors.rootMessage(failure));
    return 1;
  }

  /**
   * The line for a failure that asks the operator for a decision (without {@code tributary: }), or
   * null for any other failure.
   */
  static @Nullable String operatorChoice(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (message == null) {
        continue;
      }
      Matcher unmapped = UNMAPPED_STATE.matcher(message);
      if (unmapped.find()) {
        return "--from-savepoint: the savepoint "
            + unmapped.group(1)
            + " holds state of an operator this build does not have (Flink operator "
            + unmapped.group(2)
            + ": a step removed or renamed, or now run inside another); to start without that"
            + " state, add --allowNonRestoredState=true (docs/operations.md)";
      }
      Matcher missing = NO_SAVEPOINT.matcher(message);
      if (missing.find()) {
        return "--from-savepoint: the cluster finds no savepoint at '"
            + missing.group(1)
            + "' (file system '"
            + missing.group(2)
            + "'); give the path 'tributary stop <job id> --savepoint' printed";
      }
    }
    return null;
  }
}
