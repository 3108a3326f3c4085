package io.tributary.transforms.lineage;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.nio.file.Path;
import org.apache.beam.sdk.schemas.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A dataset as OpenLineage names it: a namespace for the store and a name within it, following
 * OpenLineage's dataset naming conventions, plus the Beam schema when known.
 *
 * <pre>{@code
 * LineageDataset.file("/data/in/events.jsonl.gz");          // file, /data/in/events.jsonl.gz
 * LineageDataset.kafka("broker:9092", "clickstream");      // kafka://broker:9092, clickstream
 * LineageDataset.postgres("db:5432", "shop.public.orders"); // postgres://db:5432, shop.public.orders
 * }</pre>
 */
public final class LineageDataset {
  private final String namespace;
  private final String name;
  private final @Nullable Schema schema;
  private final @Nullable DataQuality quality;
  private final @Nullable ColumnLineage columnLineage;

  private LineageDataset(String namespace, String name, @Nullable Schema schema) {
    this(namespace, name, schema, null, null);
  }

  private LineageDataset(
      String namespace,
      String name,
      @Nullable Schema schema,
      @Nullable DataQuality quality,
      @Nullable ColumnLineage columnLineage) {
    checkArgument(
        namespace != null && !namespace.isBlank(), "LineageDataset: namespace must not be empty");
    checkArgument(name != null && !name.isBlank(), "LineageDataset: name must not be empty");
    this.namespace = namespace;
    this.name = name;
    this.schema = schema;
    this.quality = quality;
    this.columnLineage = columnLineage;
  }

  /** A dataset with an explicit namespace and name. */
  public static LineageDataset of(String namespace, String name) {
    return new LineageDataset(namespace, name, null);
  }

  /**
   * A file or directory: local paths are {@code file} + absolute path; URIs such as {@code
   * gs://bucket/path} or {@code s3://bucket/path} become scheme://bucket + path.
   */
  public static LineageDataset file(String pathOrUri) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*)://([^/]+)(/.*)?$")
            .matcher(pathOrUri);
    if (m.matches() && !m.group(1).equals("file")) {
      return new LineageDataset(
          m.group(1) + "://" + m.group(2), m.group(3) == null ? "/" : m.group(3), null);
    }
    String local =
        pathOrUri.startsWith("file://") ? pathOrUri.substring("file://".length()) : pathOrUri;
    return new LineageDataset("file", Path.of(local).toAbsolutePath().normalize().toString(), null);
  }

  /** A Kafka topic. */
  public static LineageDataset kafka(String bootstrapServer, String topic) {
    // limit 0: String.split's default (trailing empty strings dropped), kept as before.
    return new LineageDataset("kafka://" + bootstrapServer.split(",", 0)[0].trim(), topic, null);
  }

  /** A PostgreSQL table, {@code database.schema.table}. */
  public static LineageDataset postgres(String hostPort, String databaseSchemaTable) {
    return new LineageDataset("postgres://" + hostPort, databaseSchemaTable, null);
  }

  /** The same dataset with its schema (emitted as the {@code schema} facet). */
  public LineageDataset withSchema(Schema schema) {
    return new LineageDataset(namespace, name, schema, quality, columnLineage);
  }

  /**
   * The same dataset with what a quality stage measured on it: emitted on inputs as the {@code
   * dataQualityMetrics} and {@code dataQualityAssertions} input facets.
   */
  public LineageDataset withQuality(DataQuality quality) {
    return new LineageDataset(namespace, name, schema, quality, columnLineage);
  }

  /**
   * The same dataset with its column lineage: emitted on outputs as the {@code columnLineage}
   * facet.
   */
  public LineageDataset withColumnLineage(ColumnLineage columnLineage) {
    return new LineageDataset(namespace, name, schema, quality, columnLineage);
  }

  /** The quality measured on this dataset, or null. */
  public @Nullable DataQuality quality() {
    return quality;
  }

  /** How this dataset's fields derive from inputs, or null. */
  public @Nullable ColumnLineage columnLineage() {
    return columnLineage;
  }

  /** The namespace. */
  public String namespace() {
    return namespace;
  }

  /** The name. */
  public String name() {
    return name;
  }

  /** The Beam schema, or null. */
  public @Nullable Schema schema() {
    return schema;
  }

  /**
   * Datasets are the same when namespace and name are: the schema is a description, not identity.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof LineageDataset other
        && other.namespace.equals(namespace)
        && other.name.equals(name);
  }

  @Override
  public int hashCode() {
    return namespace.hashCode() * 31 + name.hashCode();
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
