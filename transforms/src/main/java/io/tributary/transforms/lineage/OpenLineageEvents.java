package io.tributary.transforms.lineage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Builds OpenLineage 2-0-2 run events for one run of a job: START, then COMPLETE, FAIL or ABORT,
 * with input and output datasets, the {@code schema} dataset facet, {@code columnLineage} (with
 * masking flags), the {@code dataQualityMetrics} and {@code dataQualityAssertions} input facets,
 * {@code outputStatistics}, {@code jobType}, {@code processing_engine} and, on failure, {@code
 * errorMessage}.
 *
 * <pre>{@code
 * OpenLineageEvents run = OpenLineageEvents.forRun("tributary", "clickstream", runId, "2.62.0", "BATCH");
 * transport.emit(run.start(inputs, outputs));
 * transport.emit(run.complete(inputs, outputs, Map.of(outputs.get(0), 49230L)));
 * }</pre>
 */
public final class OpenLineageEvents {
  /** The {@code producer} of every event: this project, at its version. */
  public static final String PRODUCER = "https://github.com/tributary/tributary/tree/0.1.0";

  static final String SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
  static final String FACETS = "https://openlineage.io/spec/facets/";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final String namespace;
  private final String job;
  private final String runId;
  private final String beamVersion;
  private final String processingType;

  private OpenLineageEvents(
      String namespace, String job, String runId, String beamVersion, String processingType) {
    this.namespace = namespace;
    this.job = job;
    this.runId = runId;
    this.beamVersion = beamVersion;
    this.processingType = processingType;
  }

  /** Events of one run; {@code processingType} is BATCH or STREAMING. */
  public static OpenLineageEvents forRun(
      String namespace, String job, String runId, String beamVersion, String processingType) {
    if (!runId.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
      throw new IllegalArgumentException("OpenLineage runId must be a UUID, got '" + runId + "'");
    }
    return new OpenLineageEvents(namespace, job, runId, beamVersion, processingType);
  }

  /** The START event. */
  public String start(List<LineageDataset> inputs, List<LineageDataset> outputs) {
    return json(event("START", inputs, outputs, Map.of(), null));
  }

  /**
   * The COMPLETE event; {@code rowCounts} gives the {@code outputStatistics} of outputs that have
   * one.
   */
  public String complete(
      List<LineageDataset> inputs,
      List<LineageDataset> outputs,
      Map<LineageDataset, Long> rowCounts) {
    return json(event("COMPLETE", inputs, outputs, rowCounts, null));
  }

  /** The FAIL event, with the {@code errorMessage} run facet. */
  public String fail(List<LineageDataset> inputs, List<LineageDataset> outputs, Throwable error) {
    return json(event("FAIL", inputs, outputs, Map.of(), error));
  }

  /** The ABORT event (cancelled). */
  public String abort(List<LineageDataset> inputs, List<LineageDataset> outputs) {
    return json(event("ABORT", inputs, outputs, Map.of(), null));
  }

  private ObjectNode event(
      String type,
      List<LineageDataset> inputs,
      List<LineageDataset> outputs,
      Map<LineageDataset, Long> rowCounts,
      @Nullable Throwable error) {
    ObjectNode e = MAPPER.createObjectNode();
    e.put("eventType", type);
    e.put("eventTime", Instant.now().toString());
    e.put("producer", PRODUCER);
    e.put("schemaURL", SPEC);
    ObjectNode run = e.putObject("run");
    run.put("runId", runId);
    ObjectNode runFacets = run.putObject("facets");
    ObjectNode engine =
        facet(runFacets, "processing_engine", "ProcessingEngineRunFacet.json", "1-1-1");
    engine.put("version", beamVersion);
    engine.put("name", "Apache Beam");
    engine.put("openlineageAdapterVersion", "tributary-0.1.0");
    if (error != null) {
      ObjectNode msg = facet(runFacets, "errorMessage", "ErrorMessageRunFacet.json", "1-0-1");
      msg.put(
          "message", error.getMessage() == null ? error.getClass().getName() : error.getMessage());
      msg.put("programmingLanguage", "JAVA");
      StringWriter trace = new StringWriter();
      error.printStackTrace(new PrintWriter(trace));
      msg.put("stackTrace", trace.toString());
    }
    ObjectNode jobNode = e.putObject("job");
    jobNode.put("namespace", namespace);
    jobNode.put("name", job);
    ObjectNode jobType =
        facet(jobNode.putObject("facets"), "jobType", "JobTypeJobFacet.json", "2-0-3");
    jobType.put("processingType", processingType);
    jobType.put("integration", "TRIBUTARY");
    jobType.put("jobType", "JOB");
    ArrayNode in = e.putArray("inputs");
    for (LineageDataset d : inputs) {
      ObjectNode node = dataset(in.addObject(), d);
      if (d.quality() != null) {
        qualityFacets(node.putObject("inputFacets"), d.quality());
      }
    }
    ArrayNode out = e.putArray("outputs");
    for (LineageDataset d : outputs) {
      ObjectNode node = dataset(out.addObject(), d);
      Long rows = rowCounts.get(d);
      if (rows != null) {
        facet(
                node.putObject("outputFacets"),
                "outputStatistics",
                "OutputStatisticsOutputDatasetFacet.json",
                "1-0-2")
            .put("rowCount", rows);
      }
    }
    return e;
  }

  private static ObjectNode dataset(ObjectNode node, LineageDataset d) {
    node.put("namespace", d.namespace());
    node.put("name", d.name());
    ObjectNode facets = node.putObject("facets");
    if (d.schema() != null) {
      ArrayNode fields =
          facet(facets, "schema", "SchemaDatasetFacet.json", "1-1-1").putArray("fields");
      for (Schema.Field f : d.schema().getFields()) {
        ObjectNode field = fields.addObject();
        field.put("name", f.getName());
        field.put("type", typeName(f.getType()));
        if (f.getDescription() != null && !f.getDescription().isEmpty()) {
          field.put("description", f.getDescription());
        }
      }
    }
    if (d.columnLineage() != null) {
      columnLineageFacet(facets, d.columnLineage());
    }
    return node;
  }

  private static void qualityFacets(ObjectNode inputFacets, DataQuality q) {
    ObjectNode metrics =
        facet(
            inputFacets, "dataQualityMetrics", "DataQualityMetricsInputDatasetFacet.json", "1-0-2");
    if (q.rowCount() != null) {
      metrics.put("rowCount", q.rowCount());
    }
    ObjectNode columns = metrics.putObject("columnMetrics");
    q.columns()
        .forEach(
            (name, c) -> {
              ObjectNode col = columns.putObject(name);
              if (c.nullCount() != null) {
                col.put("nullCount", c.nullCount());
              }
              if (c.distinctCount() != null) {
                col.put("distinctCount", c.distinctCount());
              }
              if (c.sum() != null) {
                col.put("sum", c.sum());
              }
              if (c.count() != null) {
                col.put("count", c.count());
              }
              if (c.min() != null) {
                col.put("min", c.min());
              }
              if (c.max() != null) {
                col.put("max", c.max());
              }
              if (!c.quantiles().isEmpty()) {
                ObjectNode quantiles = col.putObject("quantiles");
                c.quantiles().forEach(quantiles::put);
              }
            });
    if (!q.assertions().isEmpty()) {
      ArrayNode assertions =
          facet(
                  inputFacets,
                  "dataQualityAssertions",
                  "DataQualityAssertionsDatasetFacet.json",
                  "1-0-1")
              .putArray("assertions");
      for (DataQuality.Assertion a : q.assertions()) {
        ObjectNode node = assertions.addObject();
        node.put("assertion", a.assertion());
        node.put("success", a.success());
        if (a.column() != null) {
          node.put("column", a.column());
        }
      }
    }
  }

  private static void columnLineageFacet(ObjectNode facets, ColumnLineage lineage) {
    ObjectNode facet = facet(facets, "columnLineage", "ColumnLineageDatasetFacet.json", "1-2-0");
    ObjectNode fields = facet.putObject("fields");
    lineage
        .fields()
        .forEach(
            (output, inputs) ->
                inputFields(fields.putObject(output).putArray("inputFields"), inputs));
    if (!lineage.dataset().isEmpty()) {
      inputFields(facet.putArray("dataset"), lineage.dataset());
    }
  }

  private static void inputFields(ArrayNode array, List<ColumnLineage.InputField> inputs) {
    for (ColumnLineage.InputField i : inputs) {
      ObjectNode node = array.addObject();
      node.put("namespace", i.dataset().namespace());
      node.put("name", i.dataset().name());
      node.put("field", i.field());
      ArrayNode transformations = node.putArray("transformations");
      for (ColumnLineage.Transformation t : i.transformations()) {
        ObjectNode tn = transformations.addObject();
        tn.put("type", t.type());
        tn.put("subtype", t.subtype());
        tn.put("masking", t.masking());
      }
    }
  }

  private static String typeName(Schema.FieldType type) {
    return type.getTypeName() == Schema.TypeName.LOGICAL_TYPE
        ? type.getLogicalType().getIdentifier()
        : type.getTypeName().name();
  }

  /** A facet object with {@code _producer} and {@code _schemaURL}, as the spec requires. */
  static ObjectNode facet(ObjectNode parent, String key, String file, String version) {
    ObjectNode f = parent.putObject(key);
    f.put("_producer", PRODUCER);
    f.put("_schemaURL", FACETS + version + "/" + file + "#/$defs/" + file.replace(".json", ""));
    return f;
  }

  private static String json(ObjectNode node) {
    return node.toString();
  }
}
