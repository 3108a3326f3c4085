package io.tributary.transforms.quality.constraints;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.quality.QualitySchemas;
import io.tributary.transforms.quality.Severity;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.Row;

/**
 * A named group of constraints with a level, as in Deequ: a failed constraint of an {@code error}
 * check is an error, of a {@code warn} check a warning.
 *
 * <pre>{@code
 * Check volume = Check.of("volume", Severity.ERROR,
 *     List.of(Constraint.parse("size between 1000 and 5000")));
 * List<Row> results = volume.verify(metricsByName, "clicks", "run-1");
 * }</pre>
 */
public final class Check implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Status of a constraint that holds. */
  public static final String SUCCESS = "Success";

  /** Status of a constraint that does not hold, or whose metric is undefined. */
  public static final String FAILURE = "Failure";

  private final String name;
  private final Severity level;
  private final List<Constraint> constraints;

  private Check(String name, Severity level, List<Constraint> constraints) {
    this.name = name;
    this.level = level;
    this.constraints = List.copyOf(constraints);
  }

  /** A check named {@code name}. */
  public static Check of(String name, Severity level, List<Constraint> constraints) {
    checkArgument(name != null && !name.isBlank(), "Check.of: name must not be empty");
    checkArgument(level != null, "Check.of(%s): level must not be null", name);
    checkArgument(
        constraints != null && !constraints.isEmpty(),
        "Check.of(%s): give at least one constraint",
        name);
    return new Check(name, level, constraints);
  }

  /** The name. */
  public String name() {
    return name;
  }

  /** The level: {@code error} or {@code warning} in records. */
  public Severity level() {
    return level;
  }

  /** The constraints. */
  public List<Constraint> constraints() {
    return constraints;
  }

  /**
   * Evaluates every constraint against one window's metric rows (by series name) and returns {@link
   * QualitySchemas#VERIFICATION} rows with the window left null.
   */
  public List<Row> verify(Map<String, Row> metricsByName, String dataset, String runId) {
    List<Row> out = new ArrayList<>();
    for (Constraint c : constraints) {
      Row metric = metricsByName.get(c.metricName());
      Double actual = metric == null ? null : metric.getDouble("value");
      String status;
      String message;
      if (metric == null) {
        status = FAILURE;
        message = "metric " + c.metricName() + " was not computed";
      } else if (actual == null) {
        status = FAILURE;
        message =
            "metric "
                + c.metricName()
                + " is undefined ("
                + metric.getString("undefined_reason")
                + "), so the requirement "
                + c.requirement()
                + " cannot be met";
      } else if (c.holds(actual)) {
        status = SUCCESS;
        message = "value " + Constraint.fmt(actual) + " meets the requirement " + c.requirement();
      } else {
        status = FAILURE;
        message =
            "value " + Constraint.fmt(actual) + " does not meet the requirement " + c.requirement();
      }
      out.add(
          Row.withSchema(QualitySchemas.VERIFICATION)
              .withFieldValue("dataset", dataset)
              .withFieldValue("run_id", runId)
              .withFieldValue("check", name)
              .withFieldValue("level", level == Severity.ERROR ? "error" : "warning")
              .withFieldValue("constraint", c.toString())
              .withFieldValue("metric", c.metricName())
              .withFieldValue("status", status)
              .withFieldValue("actual", actual)
              .withFieldValue("message", message)
              .build());
    }
    return out;
  }

  @Override
  public String toString() {
    return name + "[" + level.label() + "]" + constraints;
  }
}
