package io.tributary.io.lake;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

/**
 * Removes or rewrites a data subject's rows in a lake dataset written by {@link LakePartitions}
 * (any tree of partition directories holding Avro files), for the right to be forgotten.
 *
 * <p>A partition that holds a subject's rows is rewritten whole, the way {@link LakePartitions}
 * writes it: into {@code <root>/.tmp-erasure-<run>-<partition>/} first (data files, then a new
 * {@code _SUCCESS} with the new row count and checksums, the input fingerprint kept, and an {@code
 * erased_rows} count), then swapped in by two atomic renames. A reader sees the old partition or
 * the new one, never a half-written one; a partition without the subject is not touched. {@code
 * delete} drops the rows; {@code rewrite} keeps them, so totals and counts survive the erasure,
 * with the subject field replaced by {@link #ERASED} and the {@code clear} fields set to null (or
 * {@link #ERASED} where a string field is not nullable).
 *
 * <pre>{@code
 * LakeErasure.Outcome o = LakeErasure.in("/lake/orders", "customer_id")
 *     .rewriting(List.of())
 *     .erase(Set.of("u-00001"));
 * long rows = o.rows("u-00001");
 * }</pre>
 */
public final class LakeErasure {
  /** What an erased value becomes in a rewritten row. */
  public static final String ERASED = "[erased]";

  private final String root;
  private final String subjectField;
  private final boolean delete;
  private final List<String> clearFields;

  private LakeErasure(String root, String subjectField, boolean delete, List<String> clearFields) {
    this.root = root;
    this.subjectField = subjectField;
    this.delete = delete;
    this.clearFields = List.copyOf(clearFields);
  }

  /**
   * Erasure in the dataset under the local directory {@code root}, by the value of {@code
   * subjectField}. Deletes rows.
   */
  public static LakeErasure in(String root, String subjectField) {
    checkArgument(root != null && !root.isEmpty(), "LakeErasure.in: root must not be empty");
    checkArgument(
        subjectField != null && !subjectField.isEmpty(),
        "LakeErasure.in: subjectField must not be empty");
    return new LakeErasure(
        root.startsWith("file://") ? root.substring(7) : root, subjectField, true, List.of());
  }

  /** Keeps the subject's rows, with the subject field and {@code clearFields} erased. */
  public LakeErasure rewriting(List<String> clearFields) {
    checkArgument(clearFields != null, "LakeErasure.rewriting: clearFields must not be null");
    return new LakeErasure(root, subjectField, false, clearFields);
  }

  /** What one erasure pass did. */
  public static final class Outcome {
    private final boolean exists;
    private final Map<String, Long> rowsBySubject;
    private final int partitionsRewritten;

    Outcome(boolean exists, Map<String, Long> rowsBySubject, int partitionsRewritten) {
      this.exists = exists;
      this.rowsBySubject = rowsBySubject;
      this.partitionsRewritten = partitionsRewritten;
    }

    /** Whether the dataset root exists at all. */
    public boolean exists() {
      return exists;
    }

    /** Rows of {@code subject} removed or rewritten. */
    public long rows(String subject) {
      return rowsBySubject.getOrDefault(subject, 0L);
    }

    /** Partitions rewritten (all subjects together). */
    public int partitionsRewritten() {
      return partitionsRewritten;
    }
  }

  /**
   * Removes or rewrites the rows of every subject in {@code subjects}, one pass over the dataset.
   */
  public Outcome erase(Set<String> subjects) throws IOException {
    Path base = Path.of(root);
    if (!Files.isDirectory(base)) {
      return new Outcome(false, Map.of(), 0);
    }
    Map<Path, List<Path>> partitions = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(base)) {
      for (Path f :
          walk.filter(p -> p.toString().endsWith(".avro") && Files.isRegularFile(p))
              .collect(Collectors.toList())) {
        if (!hidden(base.relativize(f))) {
          partitions.computeIfAbsent(f.getParent(), k -> new ArrayList<>()).add(f);
        }
      }
    }
    Map<String, Long> counts = new HashMap<>();
    int rewritten = 0;
    String run = UUID.randomUUID().toString();
    for (Map.Entry<Path, List<Path>> partition : partitions.entrySet()) {
      if (rewrite(base, partition.getKey(), partition.getValue(), subjects, counts, run)) {
        rewritten++;
      }
    }
    return new Outcome(true, counts, rewritten);
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private boolean rewrite(
      Path base,
      Path dir,
      List<Path> files,
      Set<String> subjects,
      Map<String, Long> counts,
      String run)
      throws IOException {
    Map<Path, List<GenericRecord>> kept = new TreeMap<>();
    Map<Path, Schema> schemas = new HashMap<>();
    Map<String, Long> found = new HashMap<>();
    long total = 0;
    for (Path f : files) {
      List<GenericRecord> out = new ArrayList<>();
      try (DataFileReader<GenericRecord> reader =
          new DataFileReader<>(f.toFile(), new GenericDatumReader<>())) {
        Schema schema = reader.getSchema();
        checkArgument(
            schema.getField(subjectField) != null,
            "LakeErasure: subject field '%s' is not in the schema of %s; fields: %s",
            subjectField,
            f,
            schema.getFields().stream().map(Schema.Field::name).collect(Collectors.toList()));
        schemas.put(f, schema);
        for (GenericRecord r : reader) {
          Object v = r.get(subjectField);
          String subject = v == null ? null : v.toString();
          if (subject != null && subjects.contains(subject)) {
            found.merge(subject, 1L, Long::sum);
            if (!delete) {
              out.add(erased(r, schema));
            }
          } else {
            out.add(r);
          }
        }
      }
      kept.put(f, out);
      total += out.size();
    }
    if (found.isEmpty()) {
      return false;
    }
    String name = base.relativize(dir).toString();
    Path tmp = base.resolve(".tmp-erasure-" + run + "-" + name.replace('/', '_'));
    Files.createDirectories(tmp);
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode checksums = mapper.createObjectNode();
    for (Map.Entry<Path, List<GenericRecord>> e : kept.entrySet()) {
      Path target = tmp.resolve(e.getKey().getFileName());
      Schema schema = schemas.get(e.getKey());
      try (OutputStream os = Files.newOutputStream(target);
          DataFileWriter<GenericRecord> writer =
              new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
        writer.create(schema, os, syncMarker(name));
        for (GenericRecord r : e.getValue()) {
          writer.append(r);
        }
      }
      checksums.put(e.getKey().getFileName().toString(), sha256(Files.readAllBytes(target)));
    }
    // Other files of the partition (not the marker) come along unchanged.
    try (Stream<Path> others = Files.list(dir)) {
      for (Path f : others.collect(Collectors.toList())) {
        String n = f.getFileName().toString();
        if (Files.isRegularFile(f) && !n.endsWith(".avro") && !n.equals(LakePartitions.SUCCESS)) {
          Files.copy(f, tmp.resolve(n));
        }
      }
    }
    long erased = found.values().stream().mapToLong(Long::longValue).sum();
    Path marker = dir.resolve(LakePartitions.SUCCESS);
    if (Files.isRegularFile(marker)) {
      JsonNode old;
      try {
        old = mapper.readTree(marker.toFile());
      } catch (IOException unreadable) {
        old = null;
      }
      ObjectNode m = old instanceof ObjectNode ? (ObjectNode) old : mapper.createObjectNode();
      m.put("partition", m.path("partition").asText(name));
      m.put("rows", total);
      m.set("files", checksums);
      m.put("erased_rows", m.path("erased_rows").asLong(0) + erased);
      Files.writeString(tmp.resolve(LakePartitions.SUCCESS), mapper.writeValueAsString(m) + "\n");
    }
    Path old = base.resolve(".old-erasure-" + run + "-" + name.replace('/', '_'));
    Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    LakePartitions.deleteTree(old);
    found.forEach((s, n) -> counts.merge(s, n, Long::sum));
    return true;
  }

  private GenericRecord erased(GenericRecord r, Schema schema) {
    GenericData.Record copy = new GenericData.Record((GenericData.Record) r, true);
    copy.put(subjectField, erasedValue(schema, subjectField, false));
    for (String f : clearFields) {
      checkArgument(
          schema.getField(f) != null, "LakeErasure: field '%s' to clear is not in the schema", f);
      copy.put(f, erasedValue(schema, f, true));
    }
    return copy;
  }

  /**
   * The subject becomes {@link #ERASED} (rows stay countable per erased subject); cleared fields
   * null where they can.
   */
  private static Object erasedValue(Schema schema, String field, boolean preferNull) {
    Schema type = schema.getField(field).schema();
    List<Schema> options = type.getType() == Schema.Type.UNION ? type.getTypes() : List.of(type);
    boolean nullable = options.stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
    if (preferNull && nullable) {
      return null;
    }
    if (options.stream().anyMatch(s -> s.getType() == Schema.Type.STRING)) {
      return ERASED;
    }
    if (nullable) {
      return null;
    }
    throw new IllegalArgumentException(
        "LakeErasure: field '"
            + field
            + "' is neither a string nor nullable; "
            + "it cannot be rewritten, delete the rows instead");
  }

  private static byte[] syncMarker(String partition) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(partition.getBytes(StandardCharsets.UTF_8));
      return java.util.Arrays.copyOf(digest, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return LakePartitions.sha256(bytes);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "LakeErasure{"
        + root
        + ", subject="
        + subjectField
        + (delete ? ", delete" : ", rewrite " + clearFields)
        + "}";
  }
}
