package io.tributary.pipelines.options;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The kinds of {@code --source} ({@link SourceOptions}): where a job's records come from. The one
 * parser of the option; a job names the kinds it supports and switches on the result.
 *
 * <pre>{@code
 * SourceKind kind = SourceKind.parse(o.getSource(), SourceKind.FILE, SourceKind.KAFKA);
 * switch (kind) {
 *   case KAFKA: ...
 *   default: ...
 * }
 * }</pre>
 */
public enum SourceKind {
  /** Read the input files once. */
  FILE("file"),
  /** Poll the input for new files. */
  WATCH("watch"),
  /** Read Kafka topics. */
  KAFKA("kafka");

  private final String option;

  SourceKind(String option) {
    this.option = option;
  }

  /** The value as written on the command line. */
  public String option() {
    return option;
  }

  /**
   * The kind {@code value} names, one of {@code accepted}; {@code null} means {@code file}. Throws
   * an IllegalArgumentException naming {@code --source} and the accepted values otherwise.
   */
  public static SourceKind parse(@Nullable String value, SourceKind... accepted) {
    String v = value == null ? FILE.option : value;
    for (SourceKind k : accepted) {
      if (k.option.equals(v)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "--source: expected " + describe(accepted) + ", got '" + v + "'");
  }

  /** "file or kafka", "file, watch or kafka". */
  private static String describe(SourceKind... kinds) {
    String[] names = Arrays.stream(kinds).map(SourceKind::option).toArray(String[]::new);
    if (names.length == 1) {
      return names[0];
    }
    return Arrays.stream(names, 0, names.length - 1).collect(Collectors.joining(", "))
        + " or "
        + names[names.length - 1];
  }
}
