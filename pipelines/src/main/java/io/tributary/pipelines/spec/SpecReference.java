package io.tributary.pipelines.spec;

import io.tributary.transforms.spec.StepProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;

/**
 * The reference of every step type, in Markdown, generated from the providers on the class path:
 * type, kind, description, inputs and outputs, and each configuration key with its type, whether it
 * is required and what it means. {@code docs/specs.md} holds it between two markers; a test keeps
 * it in sync.
 *
 * <pre>{@code
 * String md = SpecReference.markdown(StepCatalog.load());
 * // or rewrite the section of docs/specs.md in place:
 * // java -cp tributary-bundled.jar io.tributary.pipelines.spec.SpecReference docs/specs.md
 * }</pre>
 */
public final class SpecReference {
  /** The line before the generated reference in docs/specs.md. */
  public static final String BEGIN = "<!-- BEGIN GENERATED STEP REFERENCE -->";

  /** The line after it. */
  public static final String END = "<!-- END GENERATED STEP REFERENCE -->";

  private SpecReference() {}

  /** The reference of {@code catalog}'s Tributary step types, sorted by type. */
  public static String markdown(StepCatalog catalog) {
    StringBuilder b = new StringBuilder();
    for (SchemaTransformProvider p : catalog.providers()) {
      if (!(p instanceof StepProvider s)) {
        continue;
      }
      b.append("### ").append(s.typeName()).append("\n\n");
      b.append("*")
          .append(s.kind().name().toLowerCase(Locale.ROOT))
          .append("* · `")
          .append(s.identifier())
          .append("`");
      if (!s.inputCollectionNames().isEmpty()) {
        b.append(" · inputs: ").append(code(s.inputCollectionNames()));
      }
      if (!s.outputCollectionNames().isEmpty()) {
        b.append(" · outputs: ").append(code(s.outputCollectionNames()));
      }
      b.append("\n\n").append(s.description()).append("\n\n");
      b.append("| key | type | required | meaning |\n| --- | --- | --- | --- |\n");
      for (Schema.Field f : s.configurationSchema().getFields()) {
        b.append("| `")
            .append(f.getName())
            .append("` | ")
            .append(type(f.getType()))
            .append(" | ")
            .append(f.getType().getNullable() ? "no" : "yes")
            .append(" | ")
            .append(f.getDescription().replace("|", "\\|"))
            .append(" |\n");
        if (f.getType().getTypeName() == Schema.TypeName.ARRAY
            && f.getType().getCollectionElementType().getTypeName() == Schema.TypeName.ROW) {
          for (Schema.Field g : f.getType().getCollectionElementType().getRowSchema().getFields()) {
            b.append("| `")
                .append(f.getName())
                .append("[].")
                .append(g.getName())
                .append("` | ")
                .append(type(g.getType()))
                .append(" | ")
                .append(g.getType().getNullable() ? "no" : "yes")
                .append(" | ")
                .append(g.getDescription().replace("|", "\\|"))
                .append(" |\n");
          }
        }
      }
      b.append("\n");
    }
    return b.toString();
  }

  /** {@code text} with the part between {@link #BEGIN} and {@link #END} replaced by {@code md}. */
  public static String replaceSection(String text, String md) {
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("the markers " + BEGIN + " and " + END + " are missing");
    }
    return text.substring(0, begin + BEGIN.length()) + "\n\n" + md + text.substring(end);
  }

  /** Rewrites the reference section of the Markdown file given as the only argument. */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Files.writeString(
        file, replaceSection(text, markdown(StepCatalog.load())), StandardCharsets.UTF_8);
  }

  private static String code(java.util.List<String> names) {
    StringBuilder b = new StringBuilder();
    for (String n : names) {
      b.append(b.length() == 0 ? "" : ", ").append('`').append(n).append('`');
    }
    return b.toString();
  }

  private static String type(Schema.FieldType t) {
    switch (t.getTypeName()) {
      case ARRAY:
      case ITERABLE:
        return t.getCollectionElementType().getTypeName() == Schema.TypeName.ROW
            ? "list of mappings"
            : "list of " + type(t.getCollectionElementType());
      case MAP:
        return "mapping to " + type(t.getMapValueType());
      case ROW:
        return "mapping";
      case INT16:
      case INT32:
      case INT64:
        return "integer";
      case DECIMAL:
      case DOUBLE:
      case FLOAT:
        return "number";
      default:
        return t.getTypeName().name().toLowerCase(Locale.ROOT);
    }
  }
}
