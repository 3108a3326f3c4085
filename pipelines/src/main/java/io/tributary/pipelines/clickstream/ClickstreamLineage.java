package io.tributary.pipelines.clickstream;

import io.tributary.transforms.lineage.ColumnLineage;
import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import io.tributary.transforms.lineage.DataQuality;
import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.privacy.FieldPolicy;
import io.tributary.transforms.quality.QualitySchemas;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;

/**
 * The clickstream job's OpenLineage datasets: the input (file or Kafka topic) with its schema and,
 * after a run with {@code --checks}, its quality facets; the outputs with column lineage, where a
 * field protected by the privacy policy (masked, tokenized, encrypted) carries {@code
 * masking=true}.
 *
 * <pre>{@code
 * List<LineageDataset> outputs = ClickstreamLineage.outputs(ClickstreamSettings.of(options));
 * }</pre>
 */
final class ClickstreamLineage {
  private ClickstreamLineage() {}

  static LineageDataset input(ClickstreamSettings s) {
    return s.inputDataset();
  }

  /** The input with the quality stage's results, when the run had {@code --checks}. */
  static LineageDataset inputAfterRun(ClickstreamSettings s) throws IOException {
    LineageDataset in = input(s);
    if (s.checks() == null) {
      return in;
    }
    java.nio.file.Path quality = ClickstreamQuality.qualityDir(s.output());
    return in.withQuality(
        DataQuality.fromQuality(
            ClickstreamQuality.read(QualitySchemas.METRIC, quality.resolve("metrics")),
            ClickstreamQuality.read(QualitySchemas.VERIFICATION, quality.resolve("verification"))));
  }

  static List<LineageDataset> outputs(ClickstreamSettings s) {
    LineageDataset in = input(s);
    Map<String, FieldPolicy> policy = s.protection().policy().fields();
    String out = s.output();
    List<LineageDataset> outputs = new ArrayList<>();
    outputs.add(
        LineageDataset.file(ClickstreamPipeline.aggregatesDir(out))
            .withColumnLineage(
                ColumnLineage.builder()
                    .field(
                        "window_start",
                        in,
                        "event_time",
                        Transformation.direct("TRANSFORMATION", false))
                    .field(
                        "window_end",
                        in,
                        "event_time",
                        Transformation.direct("TRANSFORMATION", false))
                    .field(
                        "events",
                        in,
                        "event_id",
                        Transformation.direct("AGGREGATION", masked(policy, "event_id")))
                    .field(
                        "events_by_type",
                        in,
                        "event_type",
                        Transformation.direct("AGGREGATION", masked(policy, "event_type")),
                        Transformation.indirect("GROUP_BY"))
                    .field(
                        "revenue_by_currency",
                        in,
                        "price",
                        Transformation.direct("AGGREGATION", masked(policy, "price")))
                    .field(
                        "revenue_by_currency", in, "currency", Transformation.indirect("GROUP_BY"))
                    .field(
                        "revenue_by_currency", in, "event_type", Transformation.indirect("FILTER"))
                    .field(
                        "distinct_users",
                        in,
                        "user_id",
                        Transformation.direct("AGGREGATION", masked(policy, "user_id")))
                    // duplicates by event_id are dropped; every row is windowed by event_time
                    .dataset(in, "event_id", Transformation.indirect("FILTER"))
                    .dataset(in, "event_time", Transformation.indirect("WINDOW"))
                    .build()));
    outputs.add(LineageDataset.file(ClickstreamPipeline.deadLetterDir(out)));
    if (s.checks() != null) {
      // quarantined rows keep every field in `record`, protected by the same policy as the data
      ColumnLineage.Builder q = ColumnLineage.builder();
      for (Schema.Field f : ClickstreamPipeline.EVENT_SCHEMA.getFields()) {
        if (!dropped(policy, f.getName())) {
          q.field(
              "record",
              in,
              f.getName(),
              Transformation.direct(
                  masked(policy, f.getName()) ? "TRANSFORMATION" : "IDENTITY",
                  masked(policy, f.getName())));
        }
      }
      outputs.add(
          LineageDataset.file(ClickstreamQuality.quarantineDir(out).toString())
              .withColumnLineage(q.build()));
    }
    if (s.sinkTopic() != null) {
      ColumnLineage.Builder k = ColumnLineage.builder();
      for (Schema.Field f : ClickstreamPipeline.EVENT_SCHEMA.getFields()) {
        if (!dropped(policy, f.getName())) {
          k.field(
              f.getName(),
              in,
              f.getName(),
              Transformation.direct(
                  masked(policy, f.getName()) ? "TRANSFORMATION" : "IDENTITY",
                  masked(policy, f.getName())));
        }
      }
      k.dataset(in, "event_id", Transformation.indirect("FILTER"));
      outputs.add(
          LineageDataset.kafka(s.bootstrapServers(), s.sinkTopic())
              .withSchema(ClickstreamPipeline.EVENT_SCHEMA)
              .withColumnLineage(k.build()));
    }
    return outputs;
  }

  /** Whether the policy changes the field's value on the way out (anything but dropping it). */
  static boolean masked(Map<String, FieldPolicy> policy, String field) {
    FieldPolicy p = policy.get(field);
    return p != null && p.action() != FieldPolicy.Action.DROP;
  }

  private static boolean dropped(Map<String, FieldPolicy> policy, String field) {
    FieldPolicy p = policy.get(field);
    return p != null && p.action() == FieldPolicy.Action.DROP;
  }
}
