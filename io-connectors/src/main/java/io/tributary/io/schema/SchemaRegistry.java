package io.tributary.io.schema;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A file-based Avro schema registry: subjects with numbered versions, each with a registry-wide
 * stable id, guarded by a compatibility mode per subject.
 *
 * <p>On disk it is a directory with one {@code .avsc} per version and an {@code index.json} that is
 * the source of truth for versions, ids and modes (so the same registry can also be read from the
 * classpath, where directories cannot be listed):
 *
 * <pre>
 * schemas/
 *   index.json                       {"next_id":3,"subjects":{"clickstream-event":{"compatibility":"BACKWARD",
 *                                      "versions":[{"version":1,"id":1,"file":"clickstream-event/v1.avsc"},...]}}}
 *   clickstream-event/v1.avsc
 *   clickstream-event/v2.avsc
 * </pre>
 *
 * <p>Ids are never reused or renumbered: a Kafka message written with id 7 a year ago still
 * resolves. Registering a schema whose canonical form equals a registered version of the subject
 * returns that version instead of adding one. An instance is a snapshot when serialized into a
 * pipeline; {@link #register} updates the instance and the directory.
 *
 * <pre>{@code
 * SchemaRegistry registry = SchemaRegistry.open(Path.of("runners-config/schemas"));
 * RegisteredSchema v2 = registry.register("clickstream-event", new Schema.Parser().parse(file));
 * RegisteredSchema reader = SchemaRegistry.bundled().latest("clickstream-event");
 * }</pre>
 */
public final class SchemaRegistry implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The index file name. */
  public static final String INDEX = "index.json";

  /** Where the registry shipped in the io-connectors jar lives on the classpath. */
  public static final String BUNDLED_RESOURCE = "/io/tributary/schemas/";

  /** The mode of a subject created by its first {@link #register}: Confluent's default. */
  public static final Compatibility DEFAULT_COMPATIBILITY = Compatibility.BACKWARD;

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final @Nullable String directory;
  private final SortedMap<String, Subject> subjects;
  private int nextId;

  private static final class Subject implements Serializable {
    private static final long serialVersionUID = 1L;
    Compatibility compatibility;
    final List<RegisteredSchema> versions = new ArrayList<>();

    Subject(Compatibility compatibility) {
      this.compatibility = compatibility;
    }
  }

  private SchemaRegistry(
      @Nullable String directory, SortedMap<String, Subject> subjects, int nextId) {
    this.directory = directory;
    this.subjects = subjects;
    this.nextId = nextId;
  }

  /** Opens the registry in {@code directory}; an absent directory or index is an empty registry. */
  public static SchemaRegistry open(Path directory) {
    checkArgument(directory != null, "SchemaRegistry.open: directory must not be null");
    Path index = directory.resolve(INDEX);
    if (!Files.exists(index)) {
      checkArgument(
          !Files.exists(directory) || Files.isDirectory(directory),
          "SchemaRegistry.open: '%s' is not a directory",
          directory);
      return new SchemaRegistry(directory.toString(), new TreeMap<>(), 1);
    }
    return load(
        directory.toString(),
        name -> {
          try {
            return Files.readString(directory.resolve(name));
          } catch (IOException e) {
            throw new UncheckedIOException(
                "schema registry " + directory + ": cannot read " + name, e);
          }
        });
  }

  /**
   * The registry bundled in the io-connectors jar (read-only), built from runners-config/schemas.
   */
  public static SchemaRegistry bundled() {
    return fromResources(BUNDLED_RESOURCE);
  }

  /** A read-only registry from classpath resources under {@code prefix} (ending in {@code /}). */
  public static SchemaRegistry fromResources(String prefix) {
    checkArgument(
        prefix != null && prefix.endsWith("/"),
        "SchemaRegistry.fromResources: prefix must end with '/', got %s",
        prefix);
    return load(
        null,
        name -> {
          try (InputStream in = SchemaRegistry.class.getResourceAsStream(prefix + name)) {
            if (in == null) {
              throw new IllegalArgumentException(
                  "schema registry resource " + prefix + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private interface Reader {
    String read(String name);
  }

  private static SchemaRegistry load(@Nullable String directory, Reader reader) {
    JsonNode index;
    try {
      index = MAPPER.readTree(reader.read(INDEX));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "schema registry " + directory + ": " + INDEX + " is not valid JSON: " + e.getMessage());
    }
    TreeMap<String, Subject> subjects = new TreeMap<>();
    int maxId = 0;
    for (Map.Entry<String, JsonNode> e : iterable(index.path("subjects").fields())) {
      Subject subject =
          new Subject(Compatibility.parse(e.getValue().path("compatibility").asText("BACKWARD")));
      for (JsonNode v : e.getValue().path("versions")) {
        String file = v.path("file").asText();
        String json = reader.read(file);
        try {
          new Schema.Parser().parse(json);
        } catch (RuntimeException ex) {
          throw new IllegalArgumentException(
              "schema registry: " + file + " is not a valid Avro schema: " + ex.getMessage());
        }
        int id = v.path("id").asInt();
        maxId = Math.max(maxId, id);
        subject.versions.add(new RegisteredSchema(e.getKey(), v.path("version").asInt(), id, json));
      }
      subject.versions.sort((a, b) -> Integer.compare(a.version(), b.version()));
      subjects.put(e.getKey(), subject);
    }
    int nextId = Math.max(maxId + 1, index.path("next_id").asInt(1));
    return new SchemaRegistry(directory, subjects, nextId);
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
    return () -> it;
  }

  /** Registered subjects, sorted. */
  public synchronized SortedSet<String> subjects() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(subjects.keySet()));
  }

  /** The versions of {@code subject}, oldest first. */
  public synchronized List<RegisteredSchema> versions(String subject) {
    return List.copyOf(subject(subject).versions);
  }

  /** The newest version of {@code subject}: the reader schema pipelines decode with. */
  public synchronized RegisteredSchema latest(String subject) {
    List<RegisteredSchema> versions = subject(subject).versions;
    return versions.get(versions.size() - 1);
  }

  /** Version {@code version} of {@code subject}. */
  public synchronized RegisteredSchema version(String subject, int version) {
    for (RegisteredSchema s : subject(subject).versions) {
      if (s.version() == version) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "schema registry: subject '" + subject + "' has no version " + version);
  }

  /** The schema with stable id {@code id}, or null when no subject has it. */
  public synchronized @Nullable RegisteredSchema byId(int id) {
    for (Subject s : subjects.values()) {
      for (RegisteredSchema v : s.versions) {
        if (v.id() == id) {
          return v;
        }
      }
    }
    return null;
  }

  /**
   * The compatibility mode of {@code subject}; {@link #DEFAULT_COMPATIBILITY} for a new subject.
   */
  public synchronized Compatibility compatibility(String subject) {
    Subject s = subjects.get(subject);
    return s == null ? DEFAULT_COMPATIBILITY : s.compatibility;
  }

  /**
   * What would refuse {@code candidate} as the next version of {@code subject}: one line per
   * problem naming the field and the rule; empty when it may be registered.
   */
  public synchronized List<String> check(String subject, Schema candidate) {
    checkSubjectName(subject);
    Subject s = subjects.get(subject);
    if (s == null) {
      return List.of();
    }
    return s.compatibility.check(subject, candidate, s.versions);
  }

  /**
   * Registers {@code candidate} as the next version of {@code subject} and writes it to the
   * registry directory; returns the existing version when its canonical form is already there.
   *
   * @throws IncompatibleSchemaException when the subject's compatibility mode refuses it
   * @throws IllegalStateException for a registry read from the classpath
   */
  public synchronized RegisteredSchema register(String subject, Schema candidate)
      throws IncompatibleSchemaException {
    checkSubjectName(subject);
    checkArgument(candidate != null, "SchemaRegistry.register: schema must not be null");
    if (directory == null) {
      throw new IllegalStateException(
          "schema registry: the bundled registry is read-only; open a directory to register");
    }
    Subject s = subjects.computeIfAbsent(subject, k -> new Subject(DEFAULT_COMPATIBILITY));
    long fingerprint = SchemaNormalization.parsingFingerprint64(candidate);
    for (RegisteredSchema existing : s.versions) {
      if (existing.fingerprint() == fingerprint && existing.schema().equals(candidate)) {
        return existing;
      }
    }
    List<String> problems = s.compatibility.check(subject, candidate, s.versions);
    if (!problems.isEmpty()) {
      if (s.versions.isEmpty()) {
        subjects.remove(subject);
      }
      throw new IncompatibleSchemaException(subject, s.compatibility, problems);
    }
    int version = s.versions.isEmpty() ? 1 : s.versions.get(s.versions.size() - 1).version() + 1;
    RegisteredSchema registered =
        new RegisteredSchema(subject, version, nextId++, candidate.toString(true));
    s.versions.add(registered);
    try {
      Path dir = Path.of(directory);
      Files.createDirectories(dir.resolve(subject));
      Files.writeString(dir.resolve(fileOf(registered)), registered.schemaJson() + "\n");
      writeIndex(dir);
    } catch (IOException e) {
      s.versions.remove(registered);
      nextId--;
      throw new UncheckedIOException(
          "schema registry " + directory + ": cannot write " + fileOf(registered), e);
    }
    return registered;
  }

  /** Sets the compatibility mode of {@code subject} (created empty if new) and saves the index. */
  public synchronized void setCompatibility(String subject, Compatibility mode) {
    checkSubjectName(subject);
    checkArgument(mode != null, "SchemaRegistry.setCompatibility: mode must not be null");
    if (directory == null) {
      throw new IllegalStateException(
          "schema registry: the bundled registry is read-only; open a directory to change it");
    }
    subjects.computeIfAbsent(subject, k -> new Subject(mode)).compatibility = mode;
    try {
      Files.createDirectories(Path.of(directory));
      writeIndex(Path.of(directory));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The directory, or null for a registry read from the classpath. */
  public @Nullable String directory() {
    return directory;
  }

  private static String fileOf(RegisteredSchema s) {
    return s.subject() + "/v" + s.version() + ".avsc";
  }

  private void writeIndex(Path dir) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("next_id", nextId);
    ObjectNode subjectsNode = root.putObject("subjects");
    for (Map.Entry<String, Subject> e : subjects.entrySet()) {
      ObjectNode node = subjectsNode.putObject(e.getKey());
      node.put("compatibility", e.getValue().compatibility.name());
      ArrayNode versions = node.putArray("versions");
      for (RegisteredSchema v : e.getValue().versions) {
        versions.addObject().put("version", v.version()).put("id", v.id()).put("file", fileOf(v));
      }
    }
    // Written next to the index and moved over it, so a crash never leaves a half-written index.
    Path tmp = Files.createTempFile(dir, ".index", ".tmp");
    Files.writeString(tmp, MAPPER.writeValueAsString(root) + "\n");
    Files.move(
        tmp,
        dir.resolve(INDEX),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private Subject subject(String subject) {
    Subject s = subjects.get(subject);
    if (s == null || s.versions.isEmpty()) {
      throw new IllegalArgumentException(
          "schema registry: unknown subject '"
              + subject
              + "'; known subjects: "
              + subjects.keySet());
    }
    return s;
  }

  private static void checkSubjectName(String subject) {
    checkArgument(
        subject != null && subject.matches("[A-Za-z0-9][A-Za-z0-9._-]*"),
        "schema registry: subject must be letters, digits, '.', '_' or '-', got '%s'",
        subject);
  }
}
