package io.tributary.pipelines.spec;

import io.tributary.transforms.lineage.ColumnLineage;
import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.spec.FieldLineage;
import io.tributary.transforms.spec.StepProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Column lineage derived from the spec itself: each step says how its output fields derive from its
 * input fields ({@link StepProvider#fieldLineage}: an expression's referenced fields, an
 * aggregation's field, a filter's condition, a masking policy), and this chains them from every
 * sink back to the sources, so a sink's OpenLineage {@code columnLineage} facet names source
 * fields, not intermediate ones.
 *
 * <pre>{@code
 * SpecLineage lineage = SpecLineage.of(spec, catalog, variables, built);
 * ColumnLineage sink = lineage.forSink("write_aggregates", sourceDatasets);
 * }</pre>
 */
final class SpecLineage {
  /** One source field and how it reaches a field of the step being traced. */
  private static final class Origin {
    final LineageDataset dataset;
    final String field;
    final Transformation how;

    Origin(LineageDataset dataset, String field, Transformation how) {
      this.dataset = dataset;
      this.field = field;
      this.how = how;
    }
  }

  private final Spec spec;
  private final StepCatalog catalog;
  private final Variables variables;
  private final SpecBuilder.Built built;
  private final Map<String, LineageDataset> sources;

  private SpecLineage(
      Spec spec,
      StepCatalog catalog,
      Variables variables,
      SpecBuilder.Built built,
      Map<String, LineageDataset> sources) {
    this.spec = spec;
    this.catalog = catalog;
    this.variables = variables;
    this.built = built;
    this.sources = sources;
  }

  /** Lineage of a built spec; {@code sources} gives the dataset of each source step. */
  static SpecLineage of(
      Spec spec,
      StepCatalog catalog,
      Variables variables,
      SpecBuilder.Built built,
      Map<String, LineageDataset> sources) {
    return new SpecLineage(spec, catalog, variables, built, sources);
  }

  /** The column lineage of what sink step {@code sink} writes, or null when nothing traces. */
  @Nullable ColumnLineage forSink(String sink) {
    SpecStep step = spec.step(sink);
    if (step == null || step.inputs().isEmpty()) {
      return null;
    }
    ColumnLineage.Builder b = ColumnLineage.builder();
    boolean any = false;
    for (SpecStep.Input in : step.inputs().values().iterator().next()) {
      Schema schema = schemaOf(in);
      if (schema == null) {
        continue;
      }
      for (String field : schema.getFieldNames()) {
        for (Origin o : trace(in, field, 0)) {
          b.field(field, o.dataset, o.field, o.how);
          any = true;
        }
      }
      for (Origin o : traceDataset(in.step(), 0)) {
        b.dataset(o.dataset, o.field, o.how);
      }
    }
    return any ? b.build() : null;
  }

  private @Nullable Schema schemaOf(SpecStep.Input in) {
    PCollectionRowTuple out = built.outputs(in.step());
    if (out == null || !out.has(in.output()) || !out.get(in.output()).hasSchema()) {
      return null;
    }
    return out.get(in.output()).getSchema();
  }

  private List<Origin> trace(SpecStep.Input ref, String field, int depth) {
    List<Origin> out = new ArrayList<>();
    SpecStep step = spec.step(ref.step());
    if (step == null || depth > 64) {
      return out;
    }
    if (step.inputs().isEmpty()) {
      LineageDataset ds = sources.get(step.name());
      if (ds != null) {
        out.add(new Origin(ds, field, Transformation.direct("IDENTITY", false)));
      }
      return out;
    }
    FieldLineage lineage = lineageOf(step, ref.output());
    if (lineage == null) {
      return out;
    }
    for (FieldLineage.Source s : lineage.fields().getOrDefault(field, List.of())) {
      for (SpecStep.Input up : step.inputs().values().iterator().next()) {
        for (Origin o : trace(up, s.field(), depth + 1)) {
          out.add(new Origin(o.dataset, o.field, combine(s.how(), o.how)));
        }
      }
    }
    return out;
  }

  private List<Origin> traceDataset(String stepName, int depth) {
    List<Origin> out = new ArrayList<>();
    SpecStep step = spec.step(stepName);
    if (step == null || step.inputs().isEmpty() || depth > 64) {
      return out;
    }
    FieldLineage lineage = lineageOf(step, StepProvider.OUTPUT);
    for (SpecStep.Input up : step.inputs().values().iterator().next()) {
      if (lineage != null) {
        for (FieldLineage.Source s : lineage.dataset()) {
          for (Origin o : trace(up, s.field(), depth + 1)) {
            out.add(new Origin(o.dataset, o.field, s.how()));
          }
        }
      }
      out.addAll(traceDataset(up.step(), depth + 1));
    }
    return out;
  }

  private final Map<String, FieldLineage> cache = new LinkedHashMap<>();

  private @Nullable FieldLineage lineageOf(SpecStep step, String output) {
    String key = step.name() + "." + output;
    if (cache.containsKey(key)) {
      return cache.get(key);
    }
    FieldLineage lineage = null;
    SchemaTransformProvider provider = catalog.find(step.type());
    PCollectionRowTuple outs = built.outputs(step.name());
    SpecStep.Input in = step.inputs().values().iterator().next().get(0);
    Schema inSchema = schemaOf(in);
    if (provider != null && outs != null && outs.has(output) && inSchema != null) {
      Schema outSchema = outs.get(output).getSchema();
      if (provider instanceof StepProvider sp) {
        Row config =
            new ConfigRows(new Nodes.Errors(spec.file()), variables)
                .toRow(sp.configurationSchema(), step.config(), step.node(), step.name());
        lineage = config == null ? null : sp.fieldLineage(config, inSchema, outSchema);
      } else {
        lineage = FieldLineage.identity(inSchema, outSchema);
      }
    }
    cache.put(key, lineage);
    return lineage;
  }

  /** {@code step} after {@code upstream}: indirect wins, then the strongest direct subtype. */
  static Transformation combine(Transformation step, Transformation upstream) {
    boolean masking = step.masking() || upstream.masking();
    if (step.type().equals("INDIRECT")) {
      return step;
    }
    if (upstream.type().equals("INDIRECT")) {
      return upstream;
    }
    return Transformation.direct(
        rank(step.subtype()) >= rank(upstream.subtype()) ? step.subtype() : upstream.subtype(),
        masking);
  }

  private static int rank(String subtype) {
    switch (subtype) {
      case "AGGREGATION":
        return 3;
      case "TRANSFORMATION":
        return 2;
      default:
        return 1;
    }
  }
}
