package io.tributary.io.lake;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.values.Rows;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.ReadableInstant;

/**
 * Writes a bounded collection of rows as a date-partitioned Avro dataset, {@code
 * <root>/dt=YYYY-MM-DD[/hour=HH]/part-00000.avro}, replacing each partition atomically.
 *
 * <p>Each partition is written whole by one worker: to a temporary directory first ({@code
 * <root>/.tmp-<run>-<partition>/}), data file then {@code _SUCCESS}; then the old partition
 * directory (if any) is renamed to {@code <root>/.old-<run>-<partition>}, the new one renamed into
 * place, and the old one deleted. A reader therefore sees the old partition, briefly none, or the
 * new one complete with its marker, never a half-written one; a rerun replaces rather than adds, so
 * nothing is duplicated. Directories starting with {@code .} are not partitions; a run that was
 * killed leaves only such directories, which {@link #cleanUp} removes. The rename needs a file
 * system where renaming a directory is atomic: local disks and HDFS (paths here are local).
 *
 * <p>{@code _SUCCESS} is JSON: partition, row count, file checksums, and the input fingerprint
 * given with {@link #withInputFingerprint}, so a backfill can skip a partition that is complete for
 * unchanged input. Rows are sorted and the Avro sync marker is derived from the partition name, so
 * the same rows give byte-identical files on every run and runner.
 *
 * <pre>{@code
 * mart.apply("WriteMartLake",
 *     LakePartitions.to("/lake/daily_category_revenue").byDateOf("dt")
 *         .withPartitions(List.of("2026-11-01"))    // also write empty partitions of the range
 *         .withInputFingerprint(fingerprint));
 * }</pre>
 */
@AutoValue
public abstract class LakePartitions
    extends PTransform<PCollection<Row>, PCollection<KV<String, Long>>> {
  /** Name of the completeness marker in each partition directory. */
  public static final String SUCCESS = "_SUCCESS";

  /** Name of the one data file of a partition. */
  public static final String DATA_FILE = "part-00000.avro";

  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("'dt='yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("'dt='yyyy-MM-dd'/hour='HH").withZone(ZoneOffset.UTC);

  abstract String root();

  abstract @Nullable String field();

  abstract boolean hourly();

  abstract ImmutableList<String> partitions();

  abstract String inputFingerprint();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setRoot(String root);

    abstract Builder setField(@Nullable String field);

    abstract Builder setHourly(boolean hourly);

    abstract Builder setPartitions(ImmutableList<String> partitions);

    abstract Builder setInputFingerprint(String fingerprint);

    abstract LakePartitions build();
  }

  /** Writes the dataset under the local directory {@code root}. */
  public static LakePartitions to(String root) {
    checkArgument(root != null && !root.isEmpty(), "LakePartitions.to: root must not be empty");
    checkArgument(
        !root.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") || root.startsWith("file://"),
        "LakePartitions.to: '%s' is not a local path; the atomic partition swap needs a local (or HDFS-like) file system",
        root);
    return new AutoValue_LakePartitions.Builder()
        .setRoot(root.startsWith("file://") ? root.substring("file://".length()) : root)
        .setHourly(false)
        .setPartitions(ImmutableList.of())
        .setInputFingerprint("")
        .build();
  }

  /**
   * Partitions by the UTC date of {@code field}: a {@code DATE} or a {@code DATETIME} field.
   * Required.
   */
  public LakePartitions byDateOf(String field) {
    checkArgument(
        field != null && !field.isEmpty(), "LakePartitions.byDateOf: field must not be empty");
    return toBuilder().setField(field).setHourly(false).build();
  }

  /**
   * Partitions by the UTC date and hour of the {@code DATETIME} {@code field}: {@code
   * dt=.../hour=HH}.
   */
  public LakePartitions byHourOf(String field) {
    checkArgument(
        field != null && !field.isEmpty(), "LakePartitions.byHourOf: field must not be empty");
    return toBuilder().setField(field).setHourly(true).build();
  }

  /**
   * Dates ({@code YYYY-MM-DD}) whose partitions this run owns: each is written even when no row
   * falls in it (an empty file and a marker saying 0 rows), so a rerun also clears a partition
   * whose rows are gone. Rows outside these dates are an error: filter before writing.
   */
  public LakePartitions withPartitions(List<String> dates) {
    checkArgument(dates != null, "LakePartitions.withPartitions: dates must not be null");
    for (String d : dates) {
      try {
        LocalDate.parse(d);
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(
            "LakePartitions.withPartitions: expected YYYY-MM-DD, got '" + d + "'");
      }
    }
    checkArgument(
        !hourly() || dates.isEmpty(), "LakePartitions.withPartitions: only for daily partitions");
    return toBuilder().setPartitions(ImmutableList.copyOf(dates)).build();
  }

  /** A fingerprint of the run's input, stored in every {@code _SUCCESS}. */
  public LakePartitions withInputFingerprint(String fingerprint) {
    checkArgument(
        fingerprint != null, "LakePartitions.withInputFingerprint: fingerprint must not be null");
    return toBuilder().setInputFingerprint(fingerprint).build();
  }

  @Override
  public PCollection<KV<String, Long>> expand(PCollection<Row> rows) {
    checkArgument(field() != null, "LakePartitions: byDateOf() or byHourOf() is required");
    checkArgument(
        rows.isBounded() == PCollection.IsBounded.BOUNDED,
        "LakePartitions: the input must be bounded (a partition is written whole, once its rows are all known)");
    Schema schema = rows.getSchema();
    checkArgument(
        schema.hasField(field()),
        "LakePartitions: field '%s' is not in the schema; known fields: %s",
        field(),
        schema.getFieldNames());
    String field = field();
    boolean hourly = hourly();
    KvCoder<String, Row> kvCoder =
        KvCoder.of(StringUtf8Coder.of(), NullableCoder.of(RowCoder.of(schema)));
    PCollection<KV<String, Row>> keyed =
        rows.apply("GlobalWindow", Window.<Row>into(new GlobalWindows()))
            .apply("KeyByPartition", ParDo.of(new KeyFn(field, hourly)))
            .setCoder(kvCoder);
    List<KV<String, Row>> owned = new ArrayList<>();
    for (String d : partitions()) {
      owned.add(KV.of("dt=" + d, null));
    }
    PCollection<KV<String, Row>> all =
        PCollectionList.of(keyed)
            .and(rows.getPipeline().apply("OwnedPartitions", Create.of(owned).withCoder(kvCoder)))
            .apply("WithOwnedPartitions", Flatten.pCollections());
    return all.apply("GroupByPartition", GroupByKey.create())
        .apply(
            "WriteAndSwap",
            ParDo.of(
                new WriteFn(
                    root(),
                    schema,
                    partitions(),
                    inputFingerprint(),
                    UUID.randomUUID().toString())))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("root", root()).withLabel("Dataset root"))
        .addIfNotNull(DisplayData.item("field", field()).withLabel("Partition field"))
        .add(
            DisplayData.item("granularity", hourly() ? "dt=/hour=" : "dt=")
                .withLabel("Partitioning"))
        .add(
            DisplayData.item("partitions", String.join(",", partitions()))
                .withLabel("Owned partitions"))
        .add(
            DisplayData.item("inputFingerprint", inputFingerprint()).withLabel("Input fingerprint"))
        .add(
            DisplayData.item("format", "Avro (one file per partition, atomic swap, _SUCCESS)")
                .withLabel("Format"));
  }

  /** The partition path of a value of the partition field. */
  static String partitionOf(Object value, boolean hourly) {
    if (value instanceof LocalDate) {
      return "dt=" + value;
    }
    java.time.Instant instant =
        java.time.Instant.ofEpochMilli(((ReadableInstant) value).getMillis());
    return (hourly ? HOUR : DAY).format(instant);
  }

  static final class KeyFn extends DoFn<Row, KV<String, Row>> {
    private final String field;
    private final boolean hourly;

    KeyFn(String field, boolean hourly) {
      this.field = field;
      this.hourly = hourly;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, Row>> out) {
      Object value = row.getValue(field);
      checkArgument(value != null, "LakePartitions: partition field '%s' is null in a row", field);
      out.output(KV.of(partitionOf(value, hourly), row));
    }
  }

  static final class WriteFn extends DoFn<KV<String, Iterable<Row>>, KV<String, Long>> {
    private final String root;
    private final Schema schema;
    private final List<String> owned;
    private final String fingerprint;
    private final String runId;

    WriteFn(String root, Schema schema, List<String> owned, String fingerprint, String runId) {
      this.root = root;
      this.schema = schema;
      this.owned = new ArrayList<>(owned);
      this.fingerprint = fingerprint;
      this.runId = runId;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<Row>> partition, OutputReceiver<KV<String, Long>> out)
        throws Exception {
      String name = partition.getKey();
      if (!owned.isEmpty() && !owned.contains(name.substring(3, 13))) {
        throw new IllegalStateException(
            "LakePartitions: a row falls in "
                + name
                + ", outside the partitions this run owns "
                + owned
                + "; filter rows before writing");
      }
      List<Row> rows = new ArrayList<>();
      for (Row r : partition.getValue()) {
        if (r != null) {
          rows.add(r);
        }
      }
      // Sorted by their JSON text: the same rows give the same bytes whatever the arrival order.
      rows.sort(Comparator.comparing(RowJsonText::render));
      Path base = Path.of(root);
      String flat = name.replace('/', '_');
      Path tmp = base.resolve(".tmp-" + runId + "-" + flat);
      Files.createDirectories(tmp);
      org.apache.avro.Schema avro = avroSchema(schema);
      Path data = tmp.resolve(DATA_FILE);
      try (OutputStream os = Files.newOutputStream(data);
          DataFileWriter<GenericRecord> writer =
              new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(avro))) {
        writer.create(avro, os, syncMarker(name));
        for (Row r : rows) {
          writer.append(AvroUtils.toGenericRecord(withDecimalScale(r), avro));
        }
      }
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode marker = mapper.createObjectNode();
      marker.put("partition", name);
      marker.put("rows", rows.size());
      marker.putObject("files").put(DATA_FILE, sha256(Files.readAllBytes(data)));
      marker.put("input_fingerprint", fingerprint);
      Files.writeString(tmp.resolve(SUCCESS), mapper.writeValueAsString(marker) + "\n");

      Path target = base.resolve(name);
      Files.createDirectories(target.getParent());
      if (Files.exists(target)) {
        Path old = base.resolve(".old-" + runId + "-" + flat);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
      } else {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      }
      LiveMetrics.counter("tributary", "lake.partitions_written").inc();
      out.output(KV.of(name, (long) rows.size()));
    }

    /**
     * Decimals at the dataset's scale; a value that would need rounding fails instead of changing.
     */
    private Row withDecimalScale(Row row) {
      List<Object> values = new ArrayList<>(row.getValues());
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i) instanceof java.math.BigDecimal) {
          values.set(i, ((java.math.BigDecimal) values.get(i)).setScale(DECIMAL_SCALE));
        }
      }
      return Rows.build(row.getSchema(), values);
    }

    private static byte[] syncMarker(String partition) throws Exception {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(partition.getBytes(StandardCharsets.UTF_8));
      return java.util.Arrays.copyOf(digest, 16);
    }
  }

  /** Scale of DECIMAL columns in the Avro files (Beam's DECIMAL carries none): cents. */
  public static final int DECIMAL_SCALE = 2;

  /**
   * The Avro schema of {@code schema}: Beam's mapping, with decimals given {@link #DECIMAL_SCALE}
   * (Beam maps its scale-less DECIMAL to an Avro decimal of scale 0, which cannot hold cents).
   */
  public static org.apache.avro.Schema avroSchema(Schema schema) {
    try {
      ObjectMapper mapper = new ObjectMapper();
      JsonNode json = mapper.readTree(AvroUtils.toAvroSchema(schema).toString());
      setDecimalScale(json);
      return new org.apache.avro.Schema.Parser().parse(mapper.writeValueAsString(json));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void setDecimalScale(JsonNode node) {
    if (node.isObject()) {
      if ("decimal".equals(node.path("logicalType").asText())) {
        ((ObjectNode) node).put("scale", DECIMAL_SCALE);
        ((ObjectNode) node).put("precision", 38);
      }
      node.forEach(LakePartitions::setDecimalScale);
    } else if (node.isArray()) {
      node.forEach(LakePartitions::setDecimalScale);
    }
  }

  /** A partition's {@code _SUCCESS} marker, if the partition is complete. */
  public static Optional<JsonNode> marker(String root, String partition) {
    Path file = Path.of(root).resolve(partition).resolve(SUCCESS);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ObjectMapper().readTree(file.toFile()));
    } catch (IOException e) {
      return Optional.empty(); // an unreadable marker means an incomplete partition
    }
  }

  /**
   * Removes what killed runs left behind: {@code .tmp-*} and {@code .old-*} directories under
   * {@code root}.
   */
  public static int cleanUp(String root) {
    Path base = Path.of(root);
    if (!Files.isDirectory(base)) {
      return 0;
    }
    int removed = 0;
    try (DirectoryStream<Path> dirs =
        Files.newDirectoryStream(
            base,
            p -> {
              String n = p.getFileName().toString();
              return n.startsWith(".tmp-") || n.startsWith(".old-");
            })) {
      for (Path d : dirs) {
        deleteTree(d);
        removed++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return removed;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toArray(Path[]::new)) {
        Files.deleteIfExists(p);
      }
    }
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
