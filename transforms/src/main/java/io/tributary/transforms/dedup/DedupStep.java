package io.tributary.transforms.dedup;

import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import io.tributary.transforms.spec.FieldLineage;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The {@code Dedup} step: {@link Dedup#byField} keeps the first row of each key within an
 * event-time TTL; the others leave through the deduplicated exit of the accounting.
 *
 * <pre>{@code
 * - type: Dedup
 *   name: dedup
 *   config: {key: event_id, ttl: 24h}
 * }</pre>
 */
public final class DedupStep extends StepProvider {
  @Override
  public String typeName() {
    return "Dedup";
  }

  @Override
  public String description() {
    return "Keeps the first row of each key seen within the TTL of event time (stateful, per key);"
        + " later copies are counted as deduplicated.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("key", FieldType.STRING).withDescription("The field that identifies a record."),
        Field.nullable("ttl", FieldType.STRING)
            .withDescription("How long a key is remembered, in event time (default 24h)."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    Duration ttl = c.duration("ttl", Duration.standardHours(24));
    if (!ttl.isLongerThan(Duration.ZERO)) {
      throw c.error("ttl", "'ttl' must be longer than 0");
    }
    Dedup.ById<Row> byKey =
        Dedup.<Row>byField(c.requiredString("key"))
            .withTtl(ttl)
            .withStageName(context.stageName())
            // A spec reads only the first arrivals; one output lets Flink chain the next step.
            .withoutDuplicatesOutput();
    Integer buckets = context.stateBuckets();
    Dedup.ById<Row> dedup = buckets == null ? byKey : byKey.withBuckets(buckets);
    return StepTransforms.map(rows -> rows.apply(dedup).output());
  }

  @Override
  public FieldLineage fieldLineage(Row configuration, Schema input, Schema output) {
    FieldLineage.Builder b = FieldLineage.builder();
    for (String f : output.getFieldNames()) {
      b.field(f, f, Transformation.direct("IDENTITY", false));
    }
    b.dataset(
        StepConfig.of(configuration).requiredString("key"), Transformation.indirect("FILTER"));
    return b.build();
  }
}
