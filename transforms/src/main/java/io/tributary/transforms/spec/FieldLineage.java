package io.tributary.transforms.spec;

import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;

/**
 * How one step's output fields derive from its input fields: per output field, the input fields and
 * how (OpenLineage's DIRECT IDENTITY / TRANSFORMATION / AGGREGATION, with a masking flag), and the
 * input fields that decide which rows or groups exist at all (INDIRECT FILTER, GROUP_BY, WINDOW).
 * The spec engine chains the steps' lineage from each sink back to the sources to emit
 * OpenLineage's {@code columnLineage} facet, derived from the spec itself.
 *
 * <pre>{@code
 * FieldLineage l = FieldLineage.builder()
 *     .field("temperature_c", "temperature", Transformation.direct("TRANSFORMATION", false))
 *     .field("temperature_c", "unit", Transformation.indirect("CONDITIONAL"))
 *     .dataset("unit", Transformation.indirect("FILTER"))
 *     .build();
 * }</pre>
 */
public final class FieldLineage {
  /** One input field and how it reaches an output field (or the dataset). */
  public static final class Source {
    private final String field;
    private final Transformation how;

    Source(String field, Transformation how) {
      this.field = field;
      this.how = how;
    }

    /** The input field. */
    public String field() {
      return field;
    }

    /** How it is used. */
    public Transformation how() {
      return how;
    }
  }

  private final Map<String, List<Source>> fields;
  private final List<Source> dataset;

  private FieldLineage(Map<String, List<Source>> fields, List<Source> dataset) {
    this.fields = fields;
    this.dataset = dataset;
  }

  /** Output field -> its input fields. */
  public Map<String, List<Source>> fields() {
    return fields;
  }

  /** Input fields that decide which rows or groups the output has. */
  public List<Source> dataset() {
    return dataset;
  }

  /** Each output field that the input also has comes from it unchanged (a row-wise step). */
  public static FieldLineage identity(Schema input, Schema output) {
    Builder b = builder();
    for (String f : output.getFieldNames()) {
      if (input.hasField(f)) {
        b.field(f, f, Transformation.direct("IDENTITY", false));
      }
    }
    return b.build();
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link FieldLineage}. */
  public static final class Builder {
    private final Map<String, List<Source>> fields = new LinkedHashMap<>();
    private final List<Source> dataset = new ArrayList<>();

    /** {@code outputField} derives from {@code inputField} as {@code how} says. */
    public Builder field(String outputField, String inputField, Transformation how) {
      fields.computeIfAbsent(outputField, k -> new ArrayList<>()).add(new Source(inputField, how));
      return this;
    }

    /** {@code inputField} decides which rows or groups the output has. */
    public Builder dataset(String inputField, Transformation how) {
      dataset.add(new Source(inputField, how));
      return this;
    }

    /** The lineage. */
    public FieldLineage build() {
      Map<String, List<Source>> copy = new LinkedHashMap<>();
      fields.forEach((k, v) -> copy.put(k, List.copyOf(v)));
      return new FieldLineage(copy, List.copyOf(dataset));
    }
  }
}
