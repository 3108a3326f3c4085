package io.tributary.io.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Compatibility modes of a subject, with the meaning Confluent's and Avro's users know: which
 * earlier versions a new version must be able to read (BACKWARD) or be read by (FORWARD).
 *
 * <pre>{@code
 * List<String> problems = Compatibility.BACKWARD.check("clicks", candidate, registeredOldestFirst);
 * if (!problems.isEmpty()) throw new IncompatibleSchemaException(problems);
 * }</pre>
 *
 * <p>Resolution follows Avro's rules ({@link SchemaCompatibility}): added fields need defaults,
 * removed fields are skipped, int/long/float/double promote upwards, string and bytes convert both
 * ways, aliases rename fields and records, and an enum default covers symbols the reader lacks.
 */
public enum Compatibility {
  /** No check: every version is accepted. */
  NONE(false, false, false),
  /** The new version reads data written with the previous version. */
  BACKWARD(true, false, false),
  /** The new version reads data written with every earlier version. */
  BACKWARD_TRANSITIVE(true, false, true),
  /** The previous version reads data written with the new version. */
  FORWARD(false, true, false),
  /** Every earlier version reads data written with the new version. */
  FORWARD_TRANSITIVE(false, true, true),
  /** Both BACKWARD and FORWARD against the previous version. */
  FULL(true, true, false),
  /** Both BACKWARD and FORWARD against every earlier version. */
  FULL_TRANSITIVE(true, true, true);

  private final boolean newReadsOld;
  private final boolean oldReadsNew;
  private final boolean transitive;

  Compatibility(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
    this.newReadsOld = newReadsOld;
    this.oldReadsNew = oldReadsNew;
    this.transitive = transitive;
  }

  /** Parses a mode name, case-insensitively; names the accepted values when it fails. */
  public static Compatibility parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(
          "compatibility: expected one of "
              + java.util.Arrays.toString(values())
              + ", got '"
              + name
              + "'");
    }
  }

  /**
   * Checks {@code candidate} against the registered versions of {@code subject} (oldest first).
   *
   * @return one line per problem, naming the version, the field and the rule; empty when compatible
   */
  public List<String> check(
      String subject, Schema candidate, List<RegisteredSchema> existingOldestFirst) {
    List<String> problems = new ArrayList<>();
    if (existingOldestFirst.isEmpty() || this == NONE) {
      return problems;
    }
    List<RegisteredSchema> against =
        transitive
            ? existingOldestFirst
            : existingOldestFirst.subList(
                existingOldestFirst.size() - 1, existingOldestFirst.size());
    for (RegisteredSchema old : against) {
      if (newReadsOld) {
        problems.addAll(
            describe(
                name()
                    + ": the new version of "
                    + subject
                    + " cannot read data written with v"
                    + old.version(),
                candidate,
                old.schema()));
      }
      if (oldReadsNew) {
        problems.addAll(
            describe(
                name()
                    + ": v"
                    + old.version()
                    + " of "
                    + subject
                    + " cannot read data written with the new version",
                old.schema(),
                candidate));
      }
    }
    return problems;
  }

  /**
   * Problems a reader with {@code reader} has with data written with {@code writer}; empty if none.
   */
  public static List<String> readerProblems(Schema reader, Schema writer) {
    return describe("reader cannot read writer", reader, writer);
  }

  private static List<String> describe(String prefix, Schema reader, Schema writer) {
    List<String> problems = new ArrayList<>();
    SchemaCompatibility.SchemaPairCompatibility result =
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
      return problems;
    }
    for (Incompatibility i : result.getResult().getIncompatibilities()) {
      problems.add(
          prefix
              + ": "
              + FieldLocations.describe(reader, i)
              + " (rule "
              + i.getType()
              + ": "
              + rule(i)
              + ")");
    }
    return problems;
  }

  private static String rule(Incompatibility i) {
    switch (i.getType()) {
      case READER_FIELD_MISSING_DEFAULT_VALUE:
        return "a field the reader has and the writer lacks needs a default";
      case TYPE_MISMATCH:
        return "types must match or promote (int->long->float->double, string<->bytes)";
      case NAME_MISMATCH:
        return "named types must keep their full name or list the old one in aliases";
      case MISSING_ENUM_SYMBOLS:
        return "enum symbols the writer may use must exist in the reader, or the reader enum needs a default";
      case MISSING_UNION_BRANCH:
        return "every union branch the writer may use must be readable";
      case FIXED_SIZE_MISMATCH:
        return "fixed types must keep their size";
      default:
        return i.getMessage();
    }
  }
}
