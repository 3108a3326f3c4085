package io.tributary.transforms.lineage;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which input fields an output field is derived from and how, for OpenLineage's {@code
 * columnLineage} dataset facet (1-2-0): each input field carries transformations of type {@code
 * DIRECT} (the value flows into the output: subtypes IDENTITY, TRANSFORMATION, AGGREGATION) or
 * {@code INDIRECT} (it decides which rows or groups: FILTER, GROUP_BY, WINDOW, JOIN, SORT,
 * CONDITIONAL), and a {@code masking} flag when a privacy policy masked, tokenized or encrypted the
 * value on the way. Dataset-wide indirect dependencies (a dedup key, the event-time field that
 * windows everything) go to {@link Builder#dataset}.
 *
 * <pre>{@code
 * LineageDataset in = LineageDataset.file("/data/in/events.jsonl");
 * ColumnLineage lineage = ColumnLineage.builder()
 *     .field("events", in, "event_id", Transformation.direct("AGGREGATION", false))
 *     .field("email", in, "email", Transformation.direct("TRANSFORMATION", true))
 *     .dataset(in, "event_time", Transformation.indirect("WINDOW"))
 *     .build();
 * LineageDataset out = LineageDataset.file("/data/out/aggregates").withColumnLineage(lineage);
 * }</pre>
 */
public final class ColumnLineage {
  /** One transformation of an input field on the way to an output field. */
  public static final class Transformation {
    private final String type;
    private final String subtype;
    private final boolean masking;

    private Transformation(String type, String subtype, boolean masking) {
      checkArgument(
          type.equals("DIRECT") || type.equals("INDIRECT"),
          "ColumnLineage.Transformation: type must be DIRECT or INDIRECT, got '%s'",
          type);
      this.type = type;
      this.subtype = subtype;
      this.masking = masking;
    }

    /** A DIRECT transformation (IDENTITY, TRANSFORMATION or AGGREGATION). */
    public static Transformation direct(String subtype, boolean masking) {
      return new Transformation("DIRECT", subtype, masking);
    }

    /** An INDIRECT transformation (FILTER, GROUP_BY, WINDOW, JOIN, SORT, CONDITIONAL). */
    public static Transformation indirect(String subtype) {
      return new Transformation("INDIRECT", subtype, false);
    }

    /** DIRECT or INDIRECT. */
    public String type() {
      return type;
    }

    /** The subtype, e.g. AGGREGATION. */
    public String subtype() {
      return subtype;
    }

    /** Whether the value was masked (masked, tokenized, encrypted) by a privacy policy. */
    public boolean masking() {
      return masking;
    }
  }

  /** One input field with its transformations. */
  public static final class InputField {
    private final LineageDataset dataset;
    private final String field;
    private final List<Transformation> transformations;

    InputField(LineageDataset dataset, String field, List<Transformation> transformations) {
      this.dataset = dataset;
      this.field = field;
      this.transformations = transformations;
    }

    /** The input dataset. */
    public LineageDataset dataset() {
      return dataset;
    }

    /** The input field. */
    public String field() {
      return field;
    }

    /** How it was transformed. */
    public List<Transformation> transformations() {
      return Collections.unmodifiableList(transformations);
    }
  }

  private final Map<String, List<InputField>> fields;
  private final List<InputField> dataset;

  private ColumnLineage(Map<String, List<InputField>> fields, List<InputField> dataset) {
    this.fields = fields;
    this.dataset = dataset;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Output field to the input fields it is derived from, in insertion order. */
  public Map<String, List<InputField>> fields() {
    return Collections.unmodifiableMap(fields);
  }

  /** Input fields that affect the whole output dataset. */
  public List<InputField> dataset() {
    return Collections.unmodifiableList(dataset);
  }

  /** Whether any input of {@code outputField} was masked. */
  public boolean masked(String outputField) {
    return fields.getOrDefault(outputField, List.of()).stream()
        .anyMatch(i -> i.transformations.stream().anyMatch(Transformation::masking));
  }

  /** Builds a {@link ColumnLineage}. */
  public static final class Builder {
    private final Map<String, List<InputField>> fields = new LinkedHashMap<>();
    private final List<InputField> dataset = new ArrayList<>();

    private Builder() {}

    /** Adds {@code input.inputField} as a source of {@code outputField}. */
    public Builder field(
        String outputField, LineageDataset input, String inputField, Transformation... how) {
      checkArgument(
          outputField != null && !outputField.isBlank(),
          "ColumnLineage.field: outputField must not be empty");
      checkArgument(
          inputField != null && !inputField.isBlank(),
          "ColumnLineage.field: inputField must not be empty");
      checkArgument(
          how.length > 0,
          "ColumnLineage.field: at least one transformation of %s.%s is required",
          input,
          inputField);
      fields
          .computeIfAbsent(outputField, k -> new ArrayList<>())
          .add(new InputField(input, inputField, List.of(how)));
      return this;
    }

    /** Adds {@code input.inputField} as an indirect source of every output row. */
    public Builder dataset(LineageDataset input, String inputField, Transformation... how) {
      checkArgument(
          how.length > 0,
          "ColumnLineage.dataset: at least one transformation of %s.%s is required",
          input,
          inputField);
      dataset.add(new InputField(input, inputField, List.of(how)));
      return this;
    }

    /** The lineage. */
    public ColumnLineage build() {
      checkArgument(!fields.isEmpty(), "ColumnLineage.build: field() is required at least once");
      Map<String, List<InputField>> copy = new LinkedHashMap<>();
      fields.forEach((k, v) -> copy.put(k, List.copyOf(v)));
      return new ColumnLineage(copy, List.copyOf(dataset));
    }
  }

  @Override
  public String toString() {
    return "ColumnLineage" + fields.keySet();
  }
}
