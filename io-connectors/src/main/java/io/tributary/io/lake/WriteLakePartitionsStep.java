package io.tributary.io.lake;

import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code WriteLakePartitions} sink: a bounded collection of rows as a date-partitioned Avro
 * dataset through {@link LakePartitions} ({@code <path>/dt=YYYY-MM-DD/part-00000.avro} and a {@code
 * _SUCCESS} marker, each partition replaced atomically, the same rows giving the same bytes). With
 * {@code partitions} only those dates are (re)built, each replaced whole even when it gets no row,
 * and rows of other dates are left out ({@link InPartitions}); {@code fingerprint} stores an input
 * fingerprint ({@link InputFingerprint}) in the markers.
 *
 * <pre>{@code
 * - type: WriteLakePartitions
 *   name: write_orders
 *   input: cdc_orders
 *   config:
 *     path: ${output}/lake/orders
 *     date_of: created_at
 *     partitions: ${partitions}          # "2026-11-01,2026-11-02"; empty: every date
 *     fingerprint: {label: orders-mart/1, files: ["${orders}", "${products}"]}
 * }</pre>
 */
public final class WriteLakePartitionsStep extends StepProvider {
  static final Schema FINGERPRINT =
      Schema.of(
          Field.of("label", FieldType.STRING)
              .withDescription("Names the job and the version of its fingerprint (orders-mart/1)."),
          Field.of("files", FieldType.array(FieldType.STRING))
              .withDescription("The input files or globs whose bytes are hashed, in order."));

  @Override
  public String typeName() {
    return "WriteLakePartitions";
  }

  @Override
  public String description() {
    return "Writes bounded rows as a date-partitioned Avro dataset (dt=YYYY-MM-DD[/hour=HH]), each"
        + " partition replaced atomically with a _SUCCESS marker; with partitions, only those"
        + " dates are rebuilt.";
  }

  @Override
  public StepKind kind() {
    return StepKind.SINK;
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("path", FieldType.STRING).withDescription("The dataset's local directory."),
        Field.nullable("date_of", FieldType.STRING)
            .withDescription("Partition by the UTC date of this timestamp or date field."),
        Field.nullable("hour_of", FieldType.STRING)
            .withDescription("Partition by the UTC date and hour of this timestamp field."),
        Field.nullable("partitions", FieldType.STRING)
            .withDescription(
                "Comma-separated dates YYYY-MM-DD to (re)build (with date_of); empty: every"
                    + " date in the input."),
        Field.nullable("fingerprint", FieldType.row(FINGERPRINT))
            .withDescription("The input fingerprint stored in every _SUCCESS marker."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    String path = c.requiredString("path");
    String dateOf = c.string("date_of");
    String hourOf = c.string("hour_of");
    if ((dateOf == null) == (hourOf == null)) {
      throw c.error(dateOf == null ? "path" : "hour_of", "give one of 'date_of' and 'hour_of'");
    }
    List<String> dates =
        Arrays.stream(c.string("partitions", "").split(",", -1))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableList());
    for (String d : dates) {
      try {
        LocalDate.parse(d);
      } catch (java.time.format.DateTimeParseException e) {
        throw c.error("partitions", "expected dates YYYY-MM-DD, got '" + d + "'");
      }
    }
    if (hourOf != null && !dates.isEmpty()) {
      throw c.error("partitions", "'partitions' needs date_of (daily partitions)");
    }
    LakePartitions lake;
    try {
      lake = LakePartitions.to(path);
    } catch (IllegalArgumentException e) {
      throw c.error("path", e.getMessage());
    }
    lake = dateOf != null ? lake.byDateOf(dateOf) : lake.byHourOf(hourOf);
    LakePartitions sink = lake.withPartitions(dates);
    StepConfig fp = c.nested("fingerprint");
    String field = dateOf != null ? dateOf : hourOf;
    return StepTransforms.sink(
        rows -> {
          if (!rows.getSchema().hasField(field)) {
            throw c.error(
                dateOf != null ? "date_of" : "hour_of",
                "the input has no field '"
                    + field
                    + "'; its fields are "
                    + rows.getSchema().getFieldNames());
          }
          Schema.FieldType type = rows.getSchema().getField(field).getType();
          boolean date =
              type.getTypeName() == Schema.TypeName.LOGICAL_TYPE
                  && org.apache.beam.sdk.schemas.logicaltypes.SqlTypes.DATE
                      .getIdentifier()
                      .equals(type.getLogicalType().getIdentifier());
          if (type.getTypeName() != Schema.TypeName.DATETIME && !(date && dateOf != null)) {
            throw c.error(
                dateOf != null ? "date_of" : "hour_of",
                "'"
                    + field
                    + "' is "
                    + type.getTypeName()
                    + "; expected a timestamp"
                    + (dateOf != null ? " or a date" : ""));
          }
          String fingerprint = "";
          if (fp != null) {
            FileSystems.setDefaultPipelineOptions(rows.getPipeline().getOptions());
            fingerprint = InputFingerprint.ofFiles(fp.requiredString("label"), fp.strings("files"));
          }
          PCollection<Row> owned =
              dates.isEmpty()
                  ? rows
                  : rows.apply("InPartitions", InPartitions.filter(field, dates))
                      .setRowSchema(rows.getSchema());
          owned.apply("Write", sink.withInputFingerprint(fingerprint));
        });
  }
}
